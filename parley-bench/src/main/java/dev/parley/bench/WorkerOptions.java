package dev.parley.bench;

import picocli.CommandLine.Option;

/** Options of every scenario: the load generator's own side, its worker processes, their connects and the setup. */
final class WorkerOptions {
    @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
            description = "Worker processes. 0 (default): one in this process, more (child JVMs) when the connections exceed --per-worker.")
    int count;

    @Option(names = "--per-worker", paramLabel = "N", defaultValue = "18000",
            description = "Most connections per worker process (default ${DEFAULT-VALUE}; one process may open 20,000 files here).")
    int perWorker;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "1",
            description = "Event-loop threads per worker (default ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--source-addresses", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Bind client sockets to 127.0.0.2, 127.0.0.3, ... (25,000 connections each) so that more connections fit than one address has ephemeral ports (default on; IPv4 loopback servers only).")
    boolean sourceAddresses;

    @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "1000",
            description = "Most connects in flight per worker (default ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Option(names = "--setup-concurrency", paramLabel = "N", defaultValue = "32",
            description = "Most registration/login requests in flight (default ${DEFAULT-VALUE}).")
    int setupConcurrency;

    @Option(names = "--worker-heap", paramLabel = "SIZE", defaultValue = "1g",
            description = "-Xmx of worker child processes (default ${DEFAULT-VALUE}).")
    String heap;

    /** Checks the options; returns an error message or null. */
    String validate() {
        return perWorker < 1 ? "--per-worker must be at least 1" : null;
    }
}
