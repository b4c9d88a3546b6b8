package dev.parley.server.config;

import static dev.parley.server.config.Checks.choice;
import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.throwIf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code store} section: the embedded store and the Cassandra store.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Store}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface StoreSection {

    /** How durable a write is when it is acknowledged. */
    public enum Fsync {
        /** Synced to disk before the acknowledgement: survives power loss. */
        ALWAYS,
        /** Written to the OS before the acknowledgement: survives a process crash, not a power loss. */
        NEVER
    }

    /**
     * Store settings.
     *
     * @param type     only {@code rocksdb} in this version
     * @param dataDir  directory of the embedded store
     * @param fsync    durability of acknowledged writes
     * @param batchMax largest group commit
     * @param commitIntervalMicros while writes keep coming, at most one group commit per this many µs
     */
    public record Store(String type, Path dataDir, Fsync fsync, int batchMax, int commitIntervalMicros,
            Cassandra cassandra) {
        public Store {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(fsync, "fsync");
            Objects.requireNonNull(cassandra, "cassandra");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.STORE_TYPE, type);
            range(p, ConfigKey.STORE_BATCH_MAX, batchMax);
            range(p, ConfigKey.STORE_COMMIT_INTERVAL_MICROS, commitIntervalMicros);
            throwIf(p);
        }

        /** Embedded settings with the default Cassandra section. */
        public Store(String type, Path dataDir, Fsync fsync, int batchMax) {
            this(type, dataDir, fsync, batchMax, Integer.parseInt(ConfigKey.STORE_COMMIT_INTERVAL_MICROS.defaultValue),
                    Cassandra.defaults());
        }
    }

    /**
     * The Cassandra store ({@code store.type: cassandra}).
     *
     * @param contactPoints     host:port of nodes to contact first
     * @param localDatacenter   data center serving this server's requests
     * @param keyspace          keyspace of Parley's tables
     * @param replicationFactor replication factor when the keyspace is created
     * @param requestTimeoutMs  driver request timeout
     */
    public record Cassandra(List<String> contactPoints, String localDatacenter, String keyspace, int replicationFactor,
                            int requestTimeoutMs) {
        public Cassandra {
            contactPoints = List.copyOf(contactPoints);
            List<String> p = new ArrayList<>();
            for (String cp : contactPoints) {
                if (!cp.matches("[^:\\s]+:[0-9]{1,5}")) {
                    p.add("store.cassandra.contactPoints: \"" + cp + "\" must be host:port");
                }
            }
            if (contactPoints.isEmpty()) {
                p.add("store.cassandra.contactPoints must name at least one host:port");
            }
            range(p, ConfigKey.STORE_CASSANDRA_REPLICATION_FACTOR, replicationFactor);
            range(p, ConfigKey.STORE_CASSANDRA_REQUEST_TIMEOUT_MS, requestTimeoutMs);
            throwIf(p);
        }

        static Cassandra defaults() {
            return new Cassandra(List.of(ConfigKey.STORE_CASSANDRA_CONTACT_POINTS.defaultValue),
                    ConfigKey.STORE_CASSANDRA_LOCAL_DATACENTER.defaultValue, ConfigKey.STORE_CASSANDRA_KEYSPACE.defaultValue,
                    1, 10_000);
        }
    }
}
