package dev.parley.bench;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench latency}: the throughput scenario at a fixed offered rate. */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Like throughput, at a fixed offered rate: latency at a given load rather than at saturation.")
final class LatencyCommand extends ThroughputCommand {
    @Option(names = "--rate", paramLabel = "MSG/S", required = true,
            description = "Offered messages per second, over all senders.")
    double rate;

    @Override
    String scenario() {
        return "latency";
    }

    @Override
    int defaultWindow() {
        return 1000;
    }

    @Override
    String validate() {
        if (rate <= 0 || rate > 10_000_000) return "--rate must be above 0 and at most 10,000,000";
        return super.validate();
    }

    @Override
    double totalRate() {
        return rate;
    }

    @Override
    void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v) {
        r.row("offered", String.format("%,.0f msg/s (each message timed from when it was due)", rate),
                "offeredPerSec", rate);
        super.report(r, server, co, results, v);
        long behind = sum(results, "windowFull");
        if (behind > 0) {
            r.row("window full", String.format("%,d ticks a sender could not send what was due (window %d)",
                    behind, effectiveWindow()), "windowFullTicks", behind);
        }
    }
}
