package dev.parley.routing.kafka;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of {@link KafkaMessageRouter}, validated on construction.
 *
 * @param bootstrapServers  Kafka {@code bootstrap.servers}, e.g. {@code kafka1:9092,kafka2:9092}
 * @param topicPrefix       prefix of every topic and consumer group (default {@code parley.}); a
 *                          server's topic is {@code <topicPrefix>server.<serverId>}
 * @param serverId          this chat server's stable id: the same one it uses in presence, and the
 *                          same across restarts, so that a restarted server resumes its topic from
 *                          its committed offsets. Letters, digits, {@code .}, {@code _}, {@code -}
 * @param replicationFactor replication factor of the server topics this router creates (1 on a
 *                          single broker; 3 on a real cluster)
 * @param minInsyncReplicas {@code min.insync.replicas} of the topics it creates (1 on a single
 *                          broker; 2 with replication factor 3, so that {@code acks=all} survives
 *                          the loss of one broker)
 * @param ephemeralMaxAge   typing and presence frames older than this when consumed (a server
 *                          catching up after a restart) are dropped: they would be noise (default 10 s)
 */
public record KafkaRouterConfig(String bootstrapServers, String topicPrefix, String serverId, short replicationFactor,
                                int minInsyncReplicas, Duration ephemeralMaxAge) {
    /** Default {@link #topicPrefix()}. */
    public static final String DEFAULT_TOPIC_PREFIX = "parley.";
    /** Default {@link #ephemeralMaxAge()}. */
    public static final Duration DEFAULT_EPHEMERAL_MAX_AGE = Duration.ofSeconds(10);

    private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]*");
    private static final int MAX_TOPIC_LENGTH = 249;

    public KafkaRouterConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("router bootstrapServers must not be blank (e.g. 127.0.0.1:9092)");
        }
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        if (!TOPIC_CHARS.matcher(topicPrefix).matches()) {
            throw new IllegalArgumentException("router topicPrefix \"" + topicPrefix
                    + "\" may contain only letters, digits, '.', '_' and '-' (it starts Kafka topic names)");
        }
        Objects.requireNonNull(serverId, "serverId");
        if (serverId.isEmpty() || !TOPIC_CHARS.matcher(serverId).matches()) {
            throw new IllegalArgumentException("serverId \"" + serverId
                    + "\" must be non-empty and contain only letters, digits, '.', '_' and '-' (it names a Kafka topic)");
        }
        int length = topicPrefix.length() + "server.".length() + serverId.length();
        if (length > MAX_TOPIC_LENGTH) {
            throw new IllegalArgumentException("topic name " + topicPrefix + "server." + serverId + " is " + length
                    + " characters; Kafka allows " + MAX_TOPIC_LENGTH);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("router replicationFactor must be at least 1, was " + replicationFactor);
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("router minInsyncReplicas must be between 1 and the replication factor ("
                    + replicationFactor + "), was " + minInsyncReplicas);
        }
        Objects.requireNonNull(ephemeralMaxAge, "ephemeralMaxAge");
        if (ephemeralMaxAge.isNegative() || ephemeralMaxAge.isZero()) {
            throw new IllegalArgumentException("router ephemeralMaxAge must be positive, was " + ephemeralMaxAge);
        }
    }

    /** Defaults for a single broker: prefix {@code parley.}, replication 1, min in-sync 1, ephemeral max age 10 s. */
    public static KafkaRouterConfig of(String bootstrapServers, String serverId) {
        return new KafkaRouterConfig(bootstrapServers, DEFAULT_TOPIC_PREFIX, serverId, (short) 1, 1,
                DEFAULT_EPHEMERAL_MAX_AGE);
    }

    /** The topic of {@code server}: {@code <topicPrefix>server.<server>}. */
    public String topicOf(String server) {
        return topicPrefix + "server." + server;
    }

    /** This server's topic. */
    public String topic() {
        return topicOf(serverId);
    }

    /** This server's consumer group: the same name as its topic. */
    public String groupId() {
        return topic();
    }
}
