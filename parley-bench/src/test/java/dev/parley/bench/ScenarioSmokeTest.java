package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every scenario, briefly, from its command line against the bench's own embedded server (a child
 * JVM): it runs, verifies what it received, passes, and reports the figures its JSON promises.
 * Small loads: this proves the scenarios work end to end, the figures come from the benchmark runs.
 */
class ScenarioSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JsonNode run(String... args) throws Exception {
        Path out = dir.resolve(args[0] + ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--json", out.toString(), "--server-heap", "256m"));
        int code = new CommandLine(new BenchCommand()).execute(all.toArray(String[]::new));
        JsonNode result = JSON.readTree(out.toFile());
        assertThat(result.path("failures").isMissingNode() ? "" : result.path("failures").toString()).isEmpty();
        assertThat(code).as("exit code of bench %s", args[0]).isZero();
        assertThat(result.path("ok").asBoolean()).isTrue();
        return result;
    }

    @Test
    void throughputDeliversAndReportsTheCpuPerMessage() throws Exception {
        JsonNode r = run("throughput", "-u", "4", "-w", "4", "-d", "2", "--warmup", "1");
        assertThat(r.path("deliveredPerSec").asLong()).isPositive();
        assertThat(r.path("latencyMicros").path("count").asLong()).isPositive();
        assertThat(r.path("serverCpuCores").asDouble()).isPositive();
        assertThat(r.path("serverCpuMicrosPerMessage").asDouble()).isPositive();
        assertThat(r.path("benchCpuCores").asDouble()).isPositive();
    }

    @Test
    void latencyHoldsTheOfferedRate() throws Exception {
        JsonNode r = run("latency", "-u", "4", "--rate", "100", "-d", "2", "--warmup", "1");
        assertThat(r.path("offeredPerSec").asDouble()).isEqualTo(100.0);
        assertThat(r.path("deliveredPerSec").asLong()).isBetween(50L, 150L);
    }

    @Test
    void fanoutReachesEveryMember() throws Exception {
        JsonNode r = run("fanout", "-g", "4", "-w", "4", "-d", "2", "--warmup", "1");
        assertThat(r.path("deliveredPerSec").asLong()).isPositive();
    }

    @Test
    void offlineDrainsAWarmUpUserFirstThenTheMeasuredOnes() throws Exception {
        JsonNode r = run("offline", "-n", "300", "-u", "2", "--warmup-drains", "1");
        assertThat(r.path("warmupDrainFirstMicros").asLong()).isPositive();
        assertThat(r.path("drainMicros").path("count").asLong()).isEqualTo(2);
        assertThat(r.path("drainSlowestMicros").asLong()).isPositive();
    }

    @Test
    void connectionsAreHeldAndMeasured() throws Exception {
        JsonNode r = run("connections", "-c", "40", "-d", "2", "--heartbeat", "1");
        assertThat(r.path("connectsPerSec").asDouble()).isPositive();
        assertThat(r.path("connectServerCpuMicrosEach").asDouble()).isPositive();
        assertThat(r.path("connectBenchCpuMicrosEach").asDouble()).isPositive();
        assertThat(r.path("memory").path("after").path("heapBytes").asLong())
                .as("heap read from /metrics of the server's admin listener").isPositive();
    }
}
