package dev.parley.log.kafka;

import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import dev.parley.store.cassandra.CassandraConfig;
import dev.parley.store.cassandra.CassandraStore;
import dev.parley.testkit.store.ConversationStoreContract;
import dev.parley.testkit.store.MessageStoreContract;
import dev.parley.testkit.store.MessagingStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The message and conversation store contracts that the embedded store passes, against the
 * scale-out store: a real Kafka broker as the log and a real Cassandra node as its projection.
 * Each test gets new topics (a new prefix) and emptied tables. The two contracts are nested so
 * that they share one connection to the dev services.
 */
class KafkaLogStoreContractTest {
    private static final String KEYSPACE = "parley_log_contract";

    @RegisterExtension
    static final DevServicesExtension services = DevServicesExtension.of(Service.KAFKA, Service.CASSANDRA);

    private static CassandraStore cassandra;
    private static CqlSession session;
    private static Path stateDir;

    @BeforeAll
    static void connect() throws Exception {
        CassandraConfig config = new CassandraConfig(List.of(services.cassandraContactPoint()),
                services.cassandraLocalDatacenter(), KEYSPACE, 1, Duration.ofSeconds(10));
        cassandra = new CassandraStore(config);
        session = CqlSession.builder().addContactPoint(services.cassandraContactPoint())
                .withLocalDatacenter(services.cassandraLocalDatacenter()).build();
        stateDir = Files.createTempDirectory("parley-log-contract");
    }

    @AfterAll
    static void disconnect() {
        cassandra.close();
        session.close();
    }

    @Nested
    class Messages extends MessageStoreContract {
        @Override
        protected MessagingStores createStores(Clock clock) {
            return MessagingStores.of(freshStore(clock));
        }
    }

    @Nested
    class Conversations extends ConversationStoreContract {
        @Override
        protected MessagingStores createStores(Clock clock) {
            return MessagingStores.of(freshStore(clock));
        }
    }

    private static KafkaLogStore freshStore(Clock clock) {
        for (Row table : session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
                KEYSPACE)) {
            session.execute(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + table.getString(0))
                    .setTimeout(Duration.ofSeconds(60)));
        }
        String prefix = "c" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".";
        KafkaLogStore store = new KafkaLogStore(new KafkaLogConfig(services.kafkaBootstrap(), prefix, "s1", 2,
                (short) 1, 1, stateDir, Duration.ofMillis(10), Duration.ofSeconds(20), Duration.ofSeconds(10),
                KafkaLogConfig.DEFAULT_MAX_PENDING_WRITES),
                cassandra, new SimpleMeterRegistry(), clock);
        store.start(new RecordingRouter());
        await().atMost(Duration.ofSeconds(60)).until(store::running);
        return store;
    }
}
