package dev.parley.server.config;

import static dev.parley.server.config.Checks.choice;
import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.throwIf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code router} section: routing between chat servers, in-process or through Kafka.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Router}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface RouterSection {

    /**
     * @param type  {@code in-process} (one server) or {@code kafka}
     * @param kafka the Kafka router's settings
     */
    public record Router(String type, Kafka kafka) {
        public Router {
            Objects.requireNonNull(kafka, "kafka");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.ROUTER_TYPE, type);
            throwIf(p);
        }

        public Router(String type) {
            this(type, new Kafka(ConfigKey.ROUTER_KAFKA_BOOTSTRAP_SERVERS.defaultValue,
                    ConfigKey.ROUTER_KAFKA_TOPIC_PREFIX.defaultValue, 1, 1,
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_PARTITIONS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES.defaultValue)));
        }
    }

    /** The Kafka router ({@code router.type: kafka}). */
    public record Kafka(String bootstrapServers, String topicPrefix, int replicationFactor, int minInsyncReplicas,
                        int partitions, int commitIntervalMs, int sessionTimeoutMs, int requestTimeoutMs,
                        int maxPendingWrites) {
        public Kafka {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.ROUTER_KAFKA_REPLICATION_FACTOR, replicationFactor);
            range(p, ConfigKey.ROUTER_KAFKA_MIN_INSYNC_REPLICAS, minInsyncReplicas);
            range(p, ConfigKey.ROUTER_KAFKA_PARTITIONS, partitions);
            range(p, ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS, commitIntervalMs);
            range(p, ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS, sessionTimeoutMs);
            range(p, ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS, requestTimeoutMs);
            range(p, ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES, maxPendingWrites);
            if (minInsyncReplicas > replicationFactor) {
                p.add("router.kafka.minInsyncReplicas (" + minInsyncReplicas
                        + ") must not exceed router.kafka.replicationFactor (" + replicationFactor + ")");
            }
            throwIf(p);
        }
    }
}
