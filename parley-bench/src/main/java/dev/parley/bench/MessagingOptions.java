package dev.parley.bench;

import picocli.CommandLine.Option;

/** Options of the scenarios where senders send to receivers: throughput, latency and fanout. */
final class MessagingOptions {
    /** -1 when not given: each scenario has its own default ({@link MessagingScenario#defaultWindow}). */
    @Option(names = {"-w", "--window"}, paramLabel = "W", description = "Most unacknowledged sends per sender.")
    int window = -1;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "20",
            description = "Measured time (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "15",
            description = "Traffic before measuring starts, not counted (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "100",
            description = "Message body size in bytes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for the last messages once sending stops (default ${DEFAULT-VALUE}).")
    int drainTimeout;

    @Option(names = "--sender-sync", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Senders sync their inbox like every client, and so get their own messages back (default on).")
    boolean senderSync;

    /** Checks the options, with the window in effect; returns an error message or null. */
    String validate(int effectiveWindow) {
        if (duration < 1 || duration > 3600) return "--duration must be 1 to 3600 seconds";
        if (warmup < 0 || warmup > 600) return "--warmup must be 0 to 600 seconds";
        if (size < 1 || size > 60_000) return "--size must be 1 to 60000 bytes";
        if (effectiveWindow < 1 || effectiveWindow > 100_000) return "--window must be 1 to 100000";
        if (drainTimeout < 1 || drainTimeout > 600) return "--drain-timeout must be 1 to 600 seconds";
        return null;
    }
}
