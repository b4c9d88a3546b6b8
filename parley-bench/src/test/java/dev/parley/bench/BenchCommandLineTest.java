package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line as docs/BENCHMARKS.md documents it: the scenarios, and the options they share
 * through mixins reaching every one of them. Parsing only: nothing runs.
 */
class BenchCommandLineTest {
    private static final List<String> SHARED = List.of("--server", "--server-admin", "--allow-remote", "--server-pid",
            "--fsync", "--server-idle-timeout", "--server-heap", "--server-jvm-opt", "--server-jfr", "--scale-out",
            "--log-partitions", "--log-commit-ms", "--workers", "--per-worker", "--io-threads", "--source-addresses",
            "--connect-concurrency", "--setup-concurrency", "--worker-heap", "--json", "--keep");
    private static final List<String> MESSAGING = List.of("--window", "--duration", "--warmup", "--size",
            "--drain-timeout", "--sender-sync");

    private static CommandLine bench() {
        return new CommandLine(new BenchCommand());
    }

    private static <T> T parse(Class<T> type, String... args) {
        CommandLine.ParseResult result = bench().parseArgs(args);
        return type.cast(result.subcommand().commandSpec().userObject());
    }

    @Test
    void theScenariosInTheirOrder() {
        assertThat(bench().getSubcommands().keySet())
                .containsExactly("connections", "throughput", "latency", "fanout", "offline", "profile");
    }

    @Test
    void everyScenarioTakesTheSharedOptionsAndTheMessagingOnesTheirs() {
        for (String scenario : List.of("connections", "throughput", "latency", "fanout", "offline")) {
            CommandLine.Model.CommandSpec spec = bench().getSubcommands().get(scenario).getCommandSpec();
            for (String option : SHARED) {
                assertThat(spec.findOption(option)).as("%s %s", scenario, option).isNotNull();
            }
        }
        for (String scenario : List.of("throughput", "latency", "fanout")) {
            CommandLine.Model.CommandSpec spec = bench().getSubcommands().get(scenario).getCommandSpec();
            for (String option : MESSAGING) {
                assertThat(spec.findOption(option)).as("%s %s", scenario, option).isNotNull();
            }
        }
        assertThat(bench().getSubcommands().get("profile").getCommandSpec().findOption("--server")).isNull();
    }

    @Test
    void theSharedOptionsLandInTheirMixinsWithTheirDefaults() {
        ThroughputCommand t = parse(ThroughputCommand.class, "throughput", "--server",
                "http://127.0.0.1:1,http://127.0.0.1:2", "--workers", "3", "--json", "out.json", "--log-partitions", "8");
        assertThat(t.servers.urls).containsExactly(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
        assertThat(t.servers.pid).isEqualTo(-1);
        assertThat(t.workers.count).isEqualTo(3);
        assertThat(t.workers.perWorker).isEqualTo(18_000);
        assertThat(t.workers.sourceAddresses).isTrue();
        assertThat(t.output.json).isEqualTo(Path.of("out.json"));
        assertThat(t.scaleOut.logPartitions).isEqualTo(8);
        assertThat(t.launch.fsync).isEqualTo("always");
        assertThat(t.launch.idleTimeout).isEqualTo(60);
        assertThat(t.messaging.duration).isEqualTo(20);
        assertThat(t.messaging.warmup).isEqualTo(15);
        assertThat(t.messaging.senderSync).isTrue();
        assertThat(t.validate()).isNull();
    }

    @Test
    void eachMessagingScenarioHasItsOwnDefaultWindow() {
        assertThat(parse(ThroughputCommand.class, "throughput").effectiveWindow()).isEqualTo(16);
        assertThat(parse(FanoutCommand.class, "fanout").effectiveWindow()).isEqualTo(16);
        assertThat(parse(LatencyCommand.class, "latency", "--rate", "10").effectiveWindow()).isEqualTo(1000);
        assertThat(parse(LatencyCommand.class, "latency", "--rate", "10", "-w", "7").effectiveWindow()).isEqualTo(7);
        assertThat(parse(ThroughputCommand.class, "throughput", "--no-sender-sync").messaging.senderSync).isFalse();
    }
}
