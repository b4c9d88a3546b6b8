package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench offline}: messages queued for offline users, then the time each takes to drain them. */
@Command(name = "offline", mixinStandardHelpOptions = true,
        description = "N messages queued for an offline user; time from its connect until all are received, verified complete and in order.")
final class OfflineCommand extends ScenarioCommand {
    @Option(names = {"-n", "--messages"}, paramLabel = "N", defaultValue = "10000",
            description = "Messages queued per offline user (default ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = {"-u", "--users"}, paramLabel = "U", defaultValue = "1",
            description = "Offline users, each with their own sender, draining at the same time (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = {"-w", "--window"}, paramLabel = "W", defaultValue = "256",
            description = "Most unacknowledged sends while queueing (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "100",
            description = "Message body size in bytes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "120",
            description = "Most time allowed for queueing (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Most time allowed for the drain (default ${DEFAULT-VALUE}).")
    int drainTimeout;

    @Option(names = "--warmup-drains", paramLabel = "K", defaultValue = "1",
            description = "Extra offline users who drain one after the other before the measured ones, so that "
                    + "the server's JIT has compiled the delivery path; reported apart (default ${DEFAULT-VALUE}).")
    int warmupDrains;

    @Override
    String scenario() {
        return "offline";
    }

    @Override
    String validate() {
        if (messages < 1 || messages > 10_000_000) return "--messages must be 1 to 10,000,000";
        if (users < 1) return "--users must be at least 1";
        if (window < 1 || window > 100_000) return "--window must be 1 to 100000";
        if (size < 1 || size > 60_000) return "--size must be 1 to 60000 bytes";
        if (duration < 1 || drainTimeout < 1) return "--duration and --drain-timeout must be positive";
        if (warmupDrains < 0 || warmupDrains > 100) return "--warmup-drains must be 0 to 100";
        return null;
    }

    /** Warm-up pairs first: they land in the first worker, which drains them before the measured ones. */
    @Override
    List<List<String>> units(String prefix) {
        List<String> names = Setup.names(prefix, (warmupDrains + users) * 2);
        List<List<String>> units = new ArrayList<>();
        for (int i = 0; i < names.size(); i += 2) {
            units.add(List.of(names.get(i), names.get(i + 1)));
        }
        return units;
    }

    @Override
    WorkerSpec.Params params() {
        return new WorkerSpec.Params(duration, 0, window, 0, size, messages, 0, 0, drainTimeout, false, true,
                warmupDrains, 0);
    }

    @Override
    int timeoutSec() {
        return 120 + 60 + duration + drainTimeout * 2 + 120 + 60;
    }

    @Override
    void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v) {
        r.row("load", String.format("%,d offline user(s), %,d queued messages each, %d-byte bodies%s", users, messages,
                size, warmupDrains > 0 ? String.format(" (and %d warm-up user(s) before them)", warmupDrains) : ""),
                "users", users);
        r.put("messages", messages).put("bodyBytes", size).put("warmupDrains", warmupDrains);
        long queueMicros = results.stream().mapToLong(e -> e.counters().getOrDefault("queueMicros", 0L)).max().orElse(0);
        long total = (long) (users + warmupDrains) * messages;
        r.row("queueing", String.format("%,d durable sends in %s ms (%,.0f msg/s, recipients offline)", total,
                Hist.ms(queueMicros), queueMicros > 0 ? total * 1e6 / queueMicros : 0), "queueMicros", queueMicros);
        long first = results.stream().mapToLong(e -> e.counters().getOrDefault("warmupFirstMicros", 0L)).max().orElse(0);
        if (first > 0) {
            Histogram more = hist(co, "warmupDrain");
            r.row("warm-up drains", String.format("%s ms for the first (a fresh server: cold JIT)%s", Hist.ms(first),
                    more != null && more.getTotalCount() > 0 ? String.format(", then at most %s ms (%d more)",
                            Hist.ms(more.getMaxValue()), more.getTotalCount()) : ""), "warmupDrainFirstMicros", first);
        }
        Histogram drain = hist(co, "drain");
        r.latency("drain", "drain", drain);
        if (drain != null && drain.getTotalCount() > 0) {
            long worst = drain.getMaxValue();
            r.row("drain (slowest user)", String.format("%s ms from connect to the last of %,d messages (%,.0f msg/s); %s",
                    Hist.ms(worst), messages, messages * 1e6 / worst,
                    messages == 10_000 ? ScenarioRows.target(worst < 500_000, "< 0.5 s for 10,000") : "target is for 10,000"),
                    "drainSlowestMicros", worst);
        }
        r.latency("synced", "synced", hist(co, "synced"));
        ScenarioRows.retryRow(r, results);
        long drainedUsers = drain == null ? 0 : drain.getTotalCount();
        if (drainedUsers < users) {
            r.fail(String.format("%,d of %,d offline users did not receive all their messages", users - drainedUsers, users));
        }
    }
}
