package dev.parley.store.cassandra;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of {@link CassandraStore}. Every value is validated when the record is built.
 *
 * @param contactPoints     nodes the driver first connects to (at least one); it discovers the rest
 * @param localDatacenter   the data center whose nodes serve requests (for one node from the
 *                          project's dev services: {@code datacenter1})
 * @param keyspace          keyspace holding Parley's tables (letters, digits, underscore; at most 48);
 *                          created at start when missing
 * @param replicationFactor replication factor of {@code SimpleStrategy} used when the keyspace is
 *                          created (1 or more); production clusters create the keyspace themselves
 *                          with {@code NetworkTopologyStrategy} (see the package documentation)
 * @param requestTimeout    how long the driver waits for one request; default 10 s. Keep it above
 *                          the server's {@code write_request_timeout} (and {@code cas_contention_timeout},
 *                          for the account tables' lightweight transactions) so that a slow write is
 *                          reported by the server
 * @param localConsistency  false: QUORUM / SERIAL (one data center); true: LOCAL_QUORUM /
 *                          LOCAL_SERIAL (several data centers, each with its own chat servers)
 * @param driverMetadata    whether the driver keeps schema and token metadata. True in production
 *                          (token-aware routing needs the token map); false in tests, where it makes
 *                          DDL many times faster
 */
public record CassandraConfig(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
                              int replicationFactor, Duration requestTimeout, boolean localConsistency,
                              boolean driverMetadata) {

    private static final Pattern KEYSPACE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");

    /** Default request timeout. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public CassandraConfig {
        contactPoints = List.copyOf(Objects.requireNonNull(contactPoints, "contactPoints"));
        require(!contactPoints.isEmpty(), "contactPoints must name at least one node");
        Objects.requireNonNull(localDatacenter, "localDatacenter");
        require(!localDatacenter.isBlank(), "localDatacenter must not be blank");
        Objects.requireNonNull(keyspace, "keyspace");
        require(KEYSPACE.matcher(keyspace).matches(),
                "keyspace must be a letter then up to 47 letters, digits or underscores, was '" + keyspace + "'");
        require(replicationFactor >= 1, "replicationFactor must be at least 1, was " + replicationFactor);
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        require(!requestTimeout.isNegative() && !requestTimeout.isZero(),
                "requestTimeout must be positive, was " + requestTimeout);
    }

    /** The common settings: QUORUM / SERIAL consistency, driver metadata on. */
    public CassandraConfig(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
                           int replicationFactor, Duration requestTimeout) {
        this(contactPoints, localDatacenter, keyspace, replicationFactor, requestTimeout, false, true);
    }

    public CassandraConfig withKeyspace(String value) {
        return new CassandraConfig(contactPoints, localDatacenter, value, replicationFactor, requestTimeout,
                localConsistency, driverMetadata);
    }

    public CassandraConfig withLocalConsistency(boolean value) {
        return new CassandraConfig(contactPoints, localDatacenter, keyspace, replicationFactor, requestTimeout,
                value, driverMetadata);
    }

    public CassandraConfig withDriverMetadata(boolean value) {
        return new CassandraConfig(contactPoints, localDatacenter, keyspace, replicationFactor, requestTimeout,
                localConsistency, value);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
