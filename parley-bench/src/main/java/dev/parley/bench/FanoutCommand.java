package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench fanout}: one sender per group; delivered rate and latency to each and to the last member. */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "Groups of G members, one sender each; delivered messages per second and latency to the last member.")
final class FanoutCommand extends MessagingScenario {
    @Option(names = {"-g", "--group-size"}, paramLabel = "G", defaultValue = "100",
            description = "Members per group, sender included (default ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = {"-u", "--users"}, paramLabel = "U", defaultValue = "0",
            description = "Users in all (a multiple of G; default: one group).")
    int users;

    @Override
    String scenario() {
        return "fanout";
    }

    @Override
    int maxGroupMembers() {
        return groupSize;
    }

    int totalUsers() {
        return users == 0 ? groupSize : users;
    }

    @Override
    String validate() {
        if (groupSize < 3 || groupSize > 100_000) return "--group-size must be 3 to 100000";
        if (totalUsers() % groupSize != 0) return "--users must be a multiple of --group-size";
        return super.validate();
    }

    @Override
    List<List<String>> units(String prefix) {
        List<String> names = Setup.names(prefix, totalUsers());
        List<List<String>> units = new ArrayList<>();
        for (int i = 0; i < names.size(); i += groupSize) {
            units.add(names.subList(i, i + groupSize));
        }
        return units;
    }

    @Override
    void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v) {
        int groups = totalUsers() / groupSize;
        r.row("load", String.format("%,d group(s) of %d (1 sender, %d receivers), window %d, %d-byte bodies, %d s measured after %d s warm-up",
                groups, groupSize, groupSize - 1, effectiveWindow(), messaging.size, messaging.duration, messaging.warmup), "groups", groups);
        r.put("groupSize", groupSize).put("window", effectiveWindow()).put("bodyBytes", messaging.size)
                .put("durationSec", messaging.duration).put("warmupSec", messaging.warmup);
        messagingRows(r, co, results);
        r.latency("latency (each)", "latency", hist(co, "latency"));
        r.latency("latency (last member)", "latencyLast", hist(co, "last"));
    }
}
