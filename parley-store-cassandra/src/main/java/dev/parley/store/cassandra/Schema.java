package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.List;

/**
 * The keyspace and tables, created with {@code IF NOT EXISTS} when the store starts. The package
 * documentation explains every table and column. Collections are frozen: a frozen list is one
 * cell, so writing it again with the same timestamp leaves the same cell (a non-frozen list
 * written twice with one {@code USING TIMESTAMP} would hold its elements twice).
 */
final class Schema {
    private Schema() {
    }

    /** The tables, in creation order. */
    static final List<String> TABLES = List.of("users", "devices", "devices_by_token", "conversations",
            "conversation_log", "user_conversations", "inbox_entries", "device_cursors", "receipt_watermarks", "contacts",
            "user_settings");

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
                "CREATE TABLE IF NOT EXISTS " + ks + ".conversations ("
                        + " conv_id text PRIMARY KEY,"
                        + " kind text,"
                        + " name text,"
                        + " members frozen<list<text>>,"
                        + " created_by text,"
                        + " created_at text,"
                        + " version bigint,"
                        + " admins frozen<list<text>>)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".conversation_log ("
                        + " conv_id text,"
                        + " seq bigint,"
                        + " message_id text,"
                        + " sender_id text,"
                        + " sender_device text,"
                        + " client_msg_id text,"
                        + " ts timestamp,"
                        + " body text,"
                        + " content_type text,"
                        + " head bigint static,"
                        + " head_ts timestamp static,"
                        + " PRIMARY KEY ((conv_id), seq))"
                        + " WITH CLUSTERING ORDER BY (seq ASC)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".user_conversations ("
                        + " user_id text,"
                        + " conv_id text,"
                        + " PRIMARY KEY ((user_id), conv_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".inbox_entries ("
                        + " user_id text,"
                        + " cursor bigint,"
                        + " ts timestamp,"
                        + " kind tinyint,"
                        + " conv_id text,"
                        + " seq bigint,"
                        + " message_id text,"
                        + " sender_id text,"
                        + " sender_device text,"
                        + " client_msg_id text,"
                        + " msg_ts timestamp,"
                        + " body text,"
                        + " content_type text,"
                        + " receipt_user text,"
                        + " receipt_kind text,"
                        + " up_to bigint,"
                        + " change text,"
                        + " actor text,"
                        + " users frozen<list<text>>,"
                        + " c_kind text,"
                        + " c_name text,"
                        + " c_members frozen<list<text>>,"
                        + " c_created_by text,"
                        + " c_created_at text,"
                        + " c_version bigint,"
                        + " head bigint static,"
                        + " pruned_below bigint static,"
                        + " PRIMARY KEY ((user_id), cursor))"
                        + " WITH CLUSTERING ORDER BY (cursor ASC)",
                "CREATE TABLE IF NOT EXISTS " + ks + ".device_cursors ("
                        + " user_id text,"
                        + " device_id text,"
                        + " cursor bigint,"
                        + " PRIMARY KEY ((user_id), device_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".receipt_watermarks ("
                        + " conv_id text,"
                        + " user_id text,"
                        + " delivered bigint,"
                        + " read bigint,"
                        + " PRIMARY KEY ((conv_id), user_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".contacts ("
                        + " user_id text,"
                        + " contact_id text,"
                        + " PRIMARY KEY ((user_id), contact_id))",
                "CREATE TABLE IF NOT EXISTS " + ks + ".user_settings ("
                        + " user_id text PRIMARY KEY,"
                        + " group_add text)");
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
        // Keyspaces created before admins existed get the column; rows without it default to the creator.
        boolean hasAdmins = session.execute(SimpleStatement.newInstance("SELECT column_name FROM system_schema.columns"
                        + " WHERE keyspace_name = ? AND table_name = 'conversations' AND column_name = 'admins'", ks)
                .setTimeout(timeout.multipliedBy(3))).one() != null;
        if (!hasAdmins) {
            session.execute(SimpleStatement.newInstance("ALTER TABLE " + ks + ".conversations ADD admins"
                    + " frozen<list<text>>").setTimeout(timeout.multipliedBy(3)));
        }
    }
}
