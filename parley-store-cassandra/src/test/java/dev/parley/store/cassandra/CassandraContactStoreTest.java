package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.parley.core.contact.ContactStore;
import dev.parley.testkit.store.ContactStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.RegisterExtension;

class CassandraContactStoreTest extends ContactStoreContract {
    private static final CassandraTestNode NODE = CassandraTestNode.create();
    private static final String KEYSPACE = "parley_test_contacts";

    @RegisterExtension
    static Extension cassandra = NODE.extension();

    private static CassandraConfig config;
    private static CqlSession session;

    @BeforeAll
    static void connect() {
        config = NODE.config(KEYSPACE);
        session = CassandraStore.connect(config);
        Schema.create(session, KEYSPACE, 1, config.requestTimeout());
    }

    @AfterAll
    static void disconnect() {
        session.close();
    }

    @Override
    protected ContactStore createStore() {
        CassandraTestNode.truncate(session, KEYSPACE);
        return new CassandraStore(session, false, config);
    }
}
