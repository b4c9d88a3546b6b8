package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.Extension;

/**
 * The Cassandra node the tests use: the project's dev services start one (once per test JVM),
 * unless {@code -Dparley.test.cassandra=host:port} names a node a developer already runs (its
 * data center must be {@code datacenter1}).
 */
final class CassandraTestNode {
    /** host:port of an already running node, or null to start one with the dev services. */
    static final String EXTERNAL = System.getProperty("parley.test.cassandra");

    private final DevServicesExtension devServices;
    private final Extension extension;

    private CassandraTestNode() {
        if (EXTERNAL == null || EXTERNAL.isBlank()) {
            devServices = DevServicesExtension.of(Service.CASSANDRA);
            extension = devServices;
        } else {
            devServices = null;
            extension = new Extension() {
            };
        }
    }

    static CassandraTestNode create() {
        return new CassandraTestNode();
    }

    /** Register this (a static {@code @RegisterExtension} field) so the node runs before {@code @BeforeAll}. */
    Extension extension() {
        return extension;
    }

    CassandraConfig config(String keyspace) {
        InetSocketAddress contact;
        String dc;
        if (devServices != null) {
            contact = devServices.cassandraContactPoint();
            dc = devServices.cassandraLocalDatacenter();
        } else {
            int colon = EXTERNAL.lastIndexOf(':');
            contact = new InetSocketAddress(EXTERNAL.substring(0, colon), Integer.parseInt(EXTERNAL.substring(colon + 1)));
            dc = "datacenter1";
        }
        return new CassandraConfig(List.of(contact), dc, keyspace, 1, Duration.ofSeconds(10), false, false);
    }

    /** Empties every table of the keyspace (it must exist). */
    static void truncate(CqlSession session, String keyspace) {
        for (String table : Schema.TABLES) {
            session.execute(SimpleStatement.newInstance("TRUNCATE " + keyspace + "." + table)
                    .setTimeout(Duration.ofSeconds(60)));
        }
    }
}
