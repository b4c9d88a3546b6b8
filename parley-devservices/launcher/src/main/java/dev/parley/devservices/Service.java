package dev.parley.devservices;

import java.util.Locale;

/** A backing service that {@link DevServices} can run as a local process on 127.0.0.1. */
public enum Service {
    /** Redis from Debian's {@code redis-server} package: presence. */
    REDIS,
    /** A single Kafka 4.4 broker in KRaft mode (broker and controller in one process): routing. */
    KAFKA,
    /** A single Cassandra 5.0 node on Java 17: the message store. */
    CASSANDRA;

    /** Lower-case name used for the service's folder, log and pid file: {@code redis}, {@code kafka}, {@code cassandra}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
