package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's server configuration is one the server accepts, with the settings the bench relies on. */
class EmbeddedServerTest {

    @Test
    void benchConfigurationLoads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("parley.yaml");
        Files.writeString(file, EmbeddedServer.config(dir.resolve("data"), "never", 5000, 60));
        ServerConfig c = ServerConfig.load(file, Map.of());
        assertThat(c.server().port()).isZero();
        assertThat(c.store().fsync()).isEqualTo(ServerConfig.Fsync.NEVER);
        assertThat(c.store().dataDir()).isEqualTo(dir.resolve("data"));
        assertThat(c.limits().rateLimitPerSecond()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(c.limits().argon2MemoryKiB()).isEqualTo(8);
        // Thousands of users register, log in and send from one address.
        assertThat(c.limits().abuse().userSendPerSecond()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(c.limits().abuse().authAttemptsPerIpBurst()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(c.limits().abuse().hashQueueSize()).isGreaterThanOrEqualTo(100_000);
        assertThat(c.limits().maxGroupMembers()).isEqualTo(5000);
        assertThat(c.server().idleTimeoutSeconds()).isEqualTo(60);
        assertThat(c.server().admin().port()).as("a free admin port, as the API's").isZero();
        assertThat(c.server().http().maxConnections()).as("no cap on the connect ramp").isGreaterThanOrEqualTo(1_000_000);
    }

    @Test
    void metricsParsingSumsHeapPoolsAndReadsDirectMemory() {
        String page = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1000.0
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.5E3
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 99999.0
                jvm_buffer_memory_used_bytes{id="direct"} 4096.0
                jvm_buffer_memory_used_bytes{id="mapped"} 77.0
                """;
        long[] m = ServerProbe.parseMetrics(page);
        assertThat(m[0]).isEqualTo(3500);
        assertThat(m[1]).isEqualTo(4096);
        assertThat(m[2]).isEqualTo(-1);
    }
}
