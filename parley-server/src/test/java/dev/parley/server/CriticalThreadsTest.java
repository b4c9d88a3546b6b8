package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 6: a server whose critical thread died exits non-zero instead of going on half-alive. */
class CriticalThreadsTest {
    @TempDir
    Path dir;

    private final List<Integer> halts = new ArrayList<>();

    @Test
    void anUncaughtErrorOnAnEventLoopThreadHaltsWithStatus70() throws Exception {
        Thread t = ParleyServer.CriticalThreads.factory("parley-io", halts::add).newThread(() -> {
            throw new IllegalStateException("event loop broke");
        });
        assertThat(t.getName()).startsWith("parley-io");
        t.start();
        t.join();
        assertThat(halts).containsExactly(ParleyServer.CriticalThreads.EXIT_CODE);
    }

    @Test
    void theDefaultHandlerHaltsForTheStoreCommitterAndForVmErrorsAndOnlyLogsTheRest() {
        Thread.UncaughtExceptionHandler h = ParleyServer.CriticalThreads.handler(halts::add);
        h.uncaughtException(new Thread(() -> { }, "some-worker"), new IllegalStateException("not fatal"));
        assertThat(halts).isEmpty();
        h.uncaughtException(new Thread(() -> { }, "parley-rocksdb-committer"), new IllegalStateException("dead"));
        h.uncaughtException(new Thread(() -> { }, "some-worker"), new OutOfMemoryError("test"));
        assertThat(halts).containsExactly(70, 70);
    }

    @Test
    void aServerProcessWhoseStoreCommitterDiesExitsWithStatus70() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DyingServer.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            p.destroyForcibly();
        }
        assertThat(exited).as("the process ended; output:\n%s", output).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(70);
    }

    /** Starts a server, then a thread named as the store committer that dies; waits for a shutdown that never comes. */
    public static final class DyingServer {
        public static void main(String[] args) throws Exception {
            ServerConfig config = ServerConfig.load(null, Map.of("PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                    "PARLEY_LIMITS_ARGON2_ITERATIONS", "1")).withPort(0).withDataDir(Path.of(args[0], "data"));
            ParleyServer server = ParleyServer.start(config);
            Thread committer = new Thread(() -> {
                throw new IllegalStateException("committer died");
            }, "parley-rocksdb-committer");
            committer.start();
            server.awaitShutdown();
        }
    }
}
