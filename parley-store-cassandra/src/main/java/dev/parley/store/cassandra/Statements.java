package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

/**
 * Every statement the store runs, prepared once when it starts. All run at the session's
 * consistency (QUORUM, or LOCAL_QUORUM); the account tables' lightweight transactions add the
 * serial level. Every projection write carries {@code USING TIMESTAMP ?} bound to a value of the
 * decision it applies (a seq, a cursor, a version, a watermark): the package documentation lists
 * which.
 */
final class Statements {
    // ---- accounts
    final PreparedStatement userInsertIfNotExists;
    final PreparedStatement userUpdateIfExists;
    final PreparedStatement userSelect;
    final PreparedStatement deviceSelect;
    final PreparedStatement devicesOfUser;
    final PreparedStatement deviceInsert;
    final PreparedStatement deviceDeleteIfExists;
    final PreparedStatement tokenInsert;
    final PreparedStatement tokenSelect;
    final PreparedStatement tokenDeleteIfOwner;

    // ---- conversations and the index of a user's conversations
    static final String CONVERSATION_COLUMNS = "conv_id, kind, name, members, created_by, created_at, version, admins";
    final PreparedStatement conversationInsert;
    final PreparedStatement conversationSelect;
    final PreparedStatement userConversationInsert;
    final PreparedStatement userConversationDelete;
    final PreparedStatement userConversations;

    // ---- the conversation log
    static final String MESSAGE_COLUMNS = "seq, message_id, sender_id, sender_device, client_msg_id, ts, body,"
            + " content_type";
    final PreparedStatement logInsert;
    final PreparedStatement logHead;
    final PreparedStatement logHeadSelect;
    final PreparedStatement logRange;
    final PreparedStatement logMessage;
    final PreparedStatement logTs;

    // ---- inboxes and device cursors
    static final String INBOX_COLUMNS = "cursor, ts, kind, conv_id, seq, message_id, sender_id, sender_device,"
            + " client_msg_id, msg_ts, body, content_type, receipt_user, receipt_kind, up_to, change, actor, users,"
            + " c_kind, c_name, c_members, c_created_by, c_created_at, c_version, pruned_below";
    final PreparedStatement inboxInsertMessage;
    final PreparedStatement inboxInsertReceipt;
    final PreparedStatement inboxInsertChange;

    // ---- contacts
    final PreparedStatement contactInsert;
    final PreparedStatement contactDelete;
    final PreparedStatement contactSelect;
    final PreparedStatement contactsOf;
    final PreparedStatement groupAddSelect;
    final PreparedStatement groupAddUpdate;
    final PreparedStatement inboxHead;
    final PreparedStatement inboxHeadSelect;
    final PreparedStatement inboxRead;
    final PreparedStatement inboxUsers;
    final PreparedStatement inboxOldest;
    final PreparedStatement inboxDeleteRange;
    final PreparedStatement inboxPrunedBelow;
    final PreparedStatement cursorSave;
    final PreparedStatement cursorSelect;
    final PreparedStatement cursorDelete;

    // ---- receipt watermarks
    final PreparedStatement deliveredSave;
    final PreparedStatement readSave;
    final PreparedStatement watermarksOfConversation;

    Statements(CqlSession s, String ks) {
        userInsertIfNotExists = s.prepare("INSERT INTO " + ks + ".users (user_id, password_hash, last_seen_privacy,"
                + " created_at) VALUES (?, ?, ?, ?) IF NOT EXISTS");
        userUpdateIfExists = s.prepare("UPDATE " + ks + ".users SET password_hash = ?, last_seen_privacy = ?,"
                + " created_at = ? WHERE user_id = ? IF EXISTS");
        userSelect = idempotent(s, "SELECT user_id, password_hash, last_seen_privacy, created_at FROM " + ks
                + ".users WHERE user_id = ?");
        String deviceCols = "user_id, device_id, name, token_hash, created_at, push_provider, push_target";
        deviceSelect = idempotent(s, "SELECT " + deviceCols + " FROM " + ks
                + ".devices WHERE user_id = ? AND device_id = ?");
        devicesOfUser = idempotent(s, "SELECT " + deviceCols + " FROM " + ks + ".devices WHERE user_id = ?");
        deviceInsert = idempotent(s, "INSERT INTO " + ks + ".devices (" + deviceCols
                + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
        deviceDeleteIfExists = s.prepare("DELETE FROM " + ks + ".devices WHERE user_id = ? AND device_id = ? IF EXISTS");
        tokenInsert = idempotent(s, "INSERT INTO " + ks + ".devices_by_token (token_hash, user_id, device_id)"
                + " VALUES (?, ?, ?)");
        tokenSelect = idempotent(s, "SELECT user_id, device_id FROM " + ks + ".devices_by_token WHERE token_hash = ?");
        tokenDeleteIfOwner = s.prepare("DELETE FROM " + ks + ".devices_by_token WHERE token_hash = ?"
                + " IF user_id = ? AND device_id = ?");

        contactInsert = idempotent(s, "INSERT INTO " + ks + ".contacts (user_id, contact_id) VALUES (?, ?)");
        contactDelete = idempotent(s, "DELETE FROM " + ks + ".contacts WHERE user_id = ? AND contact_id = ?");
        contactSelect = idempotent(s, "SELECT contact_id FROM " + ks + ".contacts WHERE user_id = ? AND contact_id = ?");
        contactsOf = idempotent(s, "SELECT contact_id FROM " + ks + ".contacts WHERE user_id = ?");
        groupAddSelect = idempotent(s, "SELECT group_add FROM " + ks + ".user_settings WHERE user_id = ?");
        groupAddUpdate = idempotent(s, "UPDATE " + ks + ".user_settings SET group_add = ? WHERE user_id = ?");

        conversationInsert = idempotent(s, "INSERT INTO " + ks + ".conversations (" + CONVERSATION_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        conversationSelect = idempotent(s, "SELECT " + CONVERSATION_COLUMNS + " FROM " + ks
                + ".conversations WHERE conv_id = ?");
        userConversationInsert = idempotent(s, "INSERT INTO " + ks + ".user_conversations (user_id, conv_id)"
                + " VALUES (?, ?) USING TIMESTAMP ?");
        userConversationDelete = idempotent(s, "DELETE FROM " + ks + ".user_conversations USING TIMESTAMP ?"
                + " WHERE user_id = ? AND conv_id = ?");
        userConversations = idempotent(s, "SELECT conv_id FROM " + ks + ".user_conversations WHERE user_id = ?");

        logInsert = idempotent(s, "INSERT INTO " + ks + ".conversation_log (conv_id, " + MESSAGE_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        logHead = idempotent(s, "UPDATE " + ks + ".conversation_log USING TIMESTAMP ? SET head = ?, head_ts = ?"
                + " WHERE conv_id = ?");
        logHeadSelect = idempotent(s, "SELECT head FROM " + ks + ".conversation_log WHERE conv_id = ? LIMIT 1");
        logRange = idempotent(s, "SELECT " + MESSAGE_COLUMNS + " FROM " + ks + ".conversation_log"
                + " WHERE conv_id = ? AND seq >= ? AND seq <= ?");
        logMessage = idempotent(s, "SELECT " + MESSAGE_COLUMNS + " FROM " + ks + ".conversation_log"
                + " WHERE conv_id = ? AND seq = ?");
        logTs = idempotent(s, "SELECT ts FROM " + ks + ".conversation_log WHERE conv_id = ? AND seq = ?");

        inboxInsertMessage = idempotent(s, "INSERT INTO " + ks + ".inbox_entries (user_id, cursor, ts, kind, conv_id,"
                + " seq, message_id, sender_id, sender_device, client_msg_id, msg_ts, body, content_type)"
                + " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        inboxInsertReceipt = idempotent(s, "INSERT INTO " + ks + ".inbox_entries (user_id, cursor, ts, kind, conv_id,"
                + " receipt_user, receipt_kind, up_to) VALUES (?, ?, ?, 2, ?, ?, ?, ?) USING TIMESTAMP ?");
        inboxInsertChange = idempotent(s, "INSERT INTO " + ks + ".inbox_entries (user_id, cursor, ts, kind, conv_id,"
                + " change, actor, users, c_kind, c_name, c_members, c_created_by, c_created_at, c_version)"
                + " VALUES (?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        inboxHead = idempotent(s, "UPDATE " + ks + ".inbox_entries USING TIMESTAMP ? SET head = ? WHERE user_id = ?");
        inboxHeadSelect = idempotent(s, "SELECT head FROM " + ks + ".inbox_entries WHERE user_id = ? LIMIT 1");
        inboxRead = idempotent(s, "SELECT " + INBOX_COLUMNS + " FROM " + ks + ".inbox_entries"
                + " WHERE user_id = ? AND cursor > ? LIMIT ?");
        inboxUsers = idempotent(s, "SELECT DISTINCT user_id FROM " + ks + ".inbox_entries");
        inboxOldest = idempotent(s, "SELECT cursor, ts FROM " + ks + ".inbox_entries WHERE user_id = ? AND cursor >= ?"
                + " LIMIT ?");
        inboxDeleteRange = idempotent(s, "DELETE FROM " + ks + ".inbox_entries WHERE user_id = ? AND cursor >= ?"
                + " AND cursor < ?");
        inboxPrunedBelow = idempotent(s, "UPDATE " + ks + ".inbox_entries USING TIMESTAMP ? SET pruned_below = ?"
                + " WHERE user_id = ?");
        cursorSave = idempotent(s, "UPDATE " + ks + ".device_cursors USING TIMESTAMP ? SET cursor = ?"
                + " WHERE user_id = ? AND device_id = ?");
        cursorSelect = idempotent(s, "SELECT cursor FROM " + ks + ".device_cursors WHERE user_id = ? AND device_id = ?");
        cursorDelete = idempotent(s, "DELETE FROM " + ks + ".device_cursors WHERE user_id = ? AND device_id = ?");

        deliveredSave = idempotent(s, "UPDATE " + ks + ".receipt_watermarks USING TIMESTAMP ? SET delivered = ?"
                + " WHERE conv_id = ? AND user_id = ?");
        readSave = idempotent(s, "UPDATE " + ks + ".receipt_watermarks USING TIMESTAMP ? SET read = ?"
                + " WHERE conv_id = ? AND user_id = ?");
        watermarksOfConversation = idempotent(s, "SELECT user_id, delivered, read FROM " + ks
                + ".receipt_watermarks WHERE conv_id = ?");
    }

    private static PreparedStatement idempotent(CqlSession s, String cql) {
        return s.prepare(SimpleStatement.newInstance(cql).setIdempotent(true));
    }
}
