package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of {@link ParleyServer#main}: options and start-up failures (exit codes). */
class ParleyServerMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    private int run(Map<String, String> env, String... args) {
        return ParleyServer.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsage() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: parley-server [--config FILE]");
    }

    @Test
    void unknownOptionExits2() {
        assertThat(run(Map.of(), "--frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --frobnicate");
    }

    @Test
    void optionWithoutValueExits2() {
        assertThat(run(Map.of(), "--config")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--config needs a value");
    }

    @Test
    void invalidConfigurationExits2WithEveryProblem() {
        assertThat(run(Map.of("PARLEY_SERVER_PORT", "-1", "PARLEY_STORE_FSYNC", "maybe"),
                "--data-dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("invalid configuration:")
                .contains("server.port")
                .contains("store.fsync");
    }

    @Test
    void missingConfigFileExits2() {
        assertThat(run(Map.of(), "--config=" + dir.resolve("absent.yaml"))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("absent.yaml does not exist");
    }
}
