package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench throughput}: pairs sending as fast as their window allows; delivered rate and latency. */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "U users in pairs, each sender keeping a window of W unacknowledged messages for D seconds; delivered messages per second and end-to-end latency.")
class ThroughputCommand extends MessagingScenario {
    @Option(names = {"-u", "--users"}, paramLabel = "U", defaultValue = "200",
            description = "Users, in pairs of sender and recipient (default ${DEFAULT-VALUE}).")
    int users;

    @Override
    String scenario() {
        return "throughput";
    }

    @Override
    String validate() {
        if (users < 2 || users % 2 != 0) return "--users must be an even number of at least 2";
        return super.validate();
    }

    @Override
    List<List<String>> units(String prefix) {
        List<String> names = Setup.names(prefix, users);
        List<List<String>> units = new ArrayList<>();
        for (int i = 0; i < users; i += 2) {
            units.add(List.of(names.get(i), names.get(i + 1)));
        }
        return units;
    }

    @Override
    void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v) {
        r.row("load", String.format("%,d users in %,d pairs, window %d, %d-byte bodies, %d s measured after %d s warm-up%s",
                users, users / 2, effectiveWindow(), messaging.size, messaging.duration, messaging.warmup, messaging.senderSync ? "" : ", senders not syncing"),
                "users", users);
        r.put("window", effectiveWindow()).put("bodyBytes", messaging.size).put("durationSec", messaging.duration).put("warmupSec", messaging.warmup);
        messagingRows(r, co, results);
        r.latency("latency", "latency", hist(co, "latency"));
    }
}
