package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 12, item 6: how {@code ./parley} starts the server JVM. */
class LaunchScriptTest {
    private static final Path SCRIPT = Path.of("..", "parley");

    @Test
    void closingTheBuildLockLeavesStderrWhereTheCallerPointedIt() throws Exception {
        List<String> closing = Files.readAllLines(SCRIPT).stream().filter(l -> l.startsWith("exec 9>&-")).toList();
        assertThat(closing).as("the line that closes the build lock's fd 9").hasSize(1);
        // That line, as the script runs it (fd 9 open or not), then what the JVM would write to stderr.
        Process p = new ProcessBuilder("bash", "-c", "exec 9>/dev/null\n" + closing.get(0) + "\necho still-on-stderr >&2")
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("still-on-stderr");
    }

    @Test
    void theServerJvmExitsOnOutOfMemory() throws IOException {
        List<String> launch = Files.readAllLines(SCRIPT).stream().filter(l -> l.startsWith("exec java")).toList();
        assertThat(launch).isNotEmpty();
        // the last one starts the CLI, and with it `parley serve`
        assertThat(launch.get(launch.size() - 1)).contains("-XX:+ExitOnOutOfMemoryError");
    }
}
