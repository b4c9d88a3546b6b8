package dev.parley.bench;

import picocli.CommandLine.Option;

/** Options of every scenario: the scale-out deployment the bench starts itself (dev services and N chat servers). */
final class ScaleOutOptions {
    @Option(names = "--scale-out", paramLabel = "N", defaultValue = "0",
            description = "Run against the scale-out mode started here: Redis, Kafka and Cassandra (dev services, free ports) and N chat servers as child JVMs; connection i goes to server i mod N. Default 0: one embedded server.")
    int chatServers;

    @Option(names = "--log-partitions", paramLabel = "N", defaultValue = "4",
            description = "With --scale-out: partitions of the conversation log's topics (router.kafka.partitions). Default 4: a few per chat server on a small machine; each partition is a task with its own state stores and transactions.")
    int logPartitions;

    @Option(names = "--log-commit-ms", paramLabel = "MS", defaultValue = "10",
            description = "With --scale-out: router.kafka.commitIntervalMs, how often the log's exactly-once transactions commit.")
    int logCommitMs;
}
