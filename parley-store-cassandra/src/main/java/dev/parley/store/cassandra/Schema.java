package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.List;

/**
 * The keyspace and tables, created with {@code IF NOT EXISTS} when the store starts. The package
 * documentation explains every table and column.
 */
final class Schema {
    private Schema() {
    }

    /** The tables, in creation order. */
    static final List<String> TABLES = List.of("users", "devices", "devices_by_token", "messages",
            "user_conversations", "inbox", "cursors", "watermarks");

    static List<String> tableDdl(String ks) {
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + ks + ".users ("
                        + " user_id text PRIMARY KEY,"
                        + " password_hash text,"
                        + " last_seen_privacy text,"
                        + " created_at text)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".devices ("
                        + " user_id text,"
                        + " device_id text,"
                        + " name text,"
                        + " token_hash text,"
                        + " created_at text,"
                        + " push_provider text,"
                        + " push_target text,"
                        + " PRIMARY KEY ((user_id), device_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".devices_by_token ("
                        + " token_hash text PRIMARY KEY,"
                        + " user_id text,"
                        + " device_id text)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".messages ("
                        + " conv_id text,"
                        + " seq bigint,"
                        + " idem text,"
                        + " message_id text,"
                        + " sender_id text,"
                        + " sender_device text,"
                        + " client_msg_id text,"
                        + " ts timestamp,"
                        + " body text,"
                        + " content_type text,"
                        + " ref_seq bigint,"
                        + " kind text static,"
                        + " name text static,"
                        + " members list<text> static,"
                        + " created_by text static,"
                        + " created_at text static,"
                        + " version bigint static,"
                        + " head bigint static,"
                        + " head_ts timestamp static,"
                        + " fanned bigint static,"
                        + " changes_fanned bigint static,"
                        + " change_id uuid static,"
                        + " change text static,"
                        + " change_actor text static,"
                        + " change_users list<text> static,"
                        + " change_notify list<text> static,"
                        + " change_removed list<text> static,"
                        + " change_ts timestamp static,"
                        + " PRIMARY KEY ((conv_id), seq, idem))"
                        + " WITH CLUSTERING ORDER BY (seq ASC, idem ASC)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".user_conversations ("
                        + " user_id text,"
                        + " conv_id text,"
                        + " PRIMARY KEY ((user_id), conv_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".inbox ("
                        + " user_id text,"
                        + " cursor bigint,"
                        + " ts timestamp,"
                        + " kind tinyint,"
                        + " conv_id text,"
                        + " seq bigint,"
                        + " receipt_user text,"
                        + " receipt_kind text,"
                        + " up_to bigint,"
                        + " change text,"
                        + " actor text,"
                        + " users list<text>,"
                        + " c_kind text,"
                        + " c_name text,"
                        + " c_members list<text>,"
                        + " c_created_by text,"
                        + " c_created_at text,"
                        + " c_version bigint,"
                        + " head bigint static,"
                        + " conv_seq map<text, bigint> static,"
                        + " conv_version map<text, bigint> static,"
                        + " last_batch uuid static,"
                        + " PRIMARY KEY ((user_id), cursor))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".cursors ("
                        + " user_id text,"
                        + " device_id text,"
                        + " cursor bigint,"
                        + " PRIMARY KEY ((user_id), device_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".watermarks ("
                        + " conv_id text,"
                        + " user_id text,"
                        + " delivered bigint,"
                        + " read bigint,"
                        + " delivered_fanned bigint,"
                        + " read_fanned bigint,"
                        + " PRIMARY KEY ((conv_id), user_id))");
    }

    /** Creates the keyspace (SimpleStrategy with the given factor) and the tables when missing. Blocks. */
    static void create(CqlSession session, String ks, int replicationFactor, Duration timeout) {
        session.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + ks
                        + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': "
                        + replicationFactor + "}")
                .setTimeout(timeout.multipliedBy(3)));
        for (String ddl : tableDdl(ks)) {
            session.execute(SimpleStatement.newInstance(ddl).setTimeout(timeout.multipliedBy(3)));
        }
    }
}
