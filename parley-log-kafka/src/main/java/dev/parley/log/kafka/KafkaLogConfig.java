package dev.parley.log.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Kafka log.
 *
 * @param serverId          this chat server's stable, unique id: names its reply topic
 * @param partitions        partitions of each log topic: the unit of ownership, so at most this
 *                          many chat servers share the sequencing work; fixed once created
 * @param stateDir          where Kafka Streams keeps this server's state stores (a cache of the
 *                          changelog topics: losing it costs a restore, nothing else)
 * @param commitInterval    how often the exactly-once transaction commits: a floor under latency
 * @param requestTimeout    how long a write waits for its outcome before failing as retryable
 * @param sessionTimeout    how long a silent (dead or paused) server keeps its partitions
 * @param maxPendingWrites  writes this server may have waiting for the log; beyond it a write is
 *                          refused at once (retryable), so that an overloaded log is not also
 *                          buried under the retries of writes that timed out
 */
public record KafkaLogConfig(String bootstrapServers, String topicPrefix, String serverId, int partitions,
                             short replicationFactor, int minInsyncReplicas, Path stateDir, Duration commitInterval,
                             Duration requestTimeout, Duration sessionTimeout, int maxPendingWrites) {
    public static final int DEFAULT_MAX_PENDING_WRITES = 10_000;

    public KafkaLogConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(commitInterval, "commitInterval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1");
        }
        if (maxPendingWrites < 1) {
            throw new IllegalArgumentException("maxPendingWrites must be at least 1");
        }
    }
}
