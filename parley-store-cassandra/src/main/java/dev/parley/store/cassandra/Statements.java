package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

/**
 * Every statement the store runs, prepared once when it starts. Consistency levels are set per
 * statement where they differ from the session default (QUORUM, or LOCAL_QUORUM); the package
 * documentation lists them.
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
    final PreparedStatement cursorSelect;
    final PreparedStatement cursorInsertIfNotExists;
    final PreparedStatement cursorUpdateIf;
    final PreparedStatement cursorDelete;

    // ---- conversations and their log (table messages)
    static final String STATE_COLUMNS = "kind, name, members, created_by, created_at, version, head, head_ts, fanned,"
            + " changes_fanned, change_id, change, change_actor, change_users, change_notify, change_removed, change_ts";
    static final String MESSAGE_COLUMNS = "seq, message_id, sender_id, sender_device, client_msg_id, ts, body, content_type";
    final PreparedStatement convState;
    final PreparedStatement convCreate;
    final PreparedStatement convUpdate;
    final PreparedStatement claimHead;
    final PreparedStatement claimMarker;
    final PreparedStatement claimMessage;
    final PreparedStatement markersSelect;
    final PreparedStatement markFanned;
    final PreparedStatement markChangesFanned;
    final PreparedStatement messageRange;
    final PreparedStatement messagesIn;
    final PreparedStatement messageTs;
    final PreparedStatement sendersInRange;
    final PreparedStatement userConversationInsert;
    final PreparedStatement userConversationDelete;
    final PreparedStatement userConversations;

    // ---- inboxes
    static final String INBOX_COLUMNS = "cursor, ts, kind, conv_id, seq, receipt_user, receipt_kind, up_to, change,"
            + " actor, users, c_kind, c_name, c_members, c_created_by, c_created_at, c_version";
    final PreparedStatement inboxState;
    final PreparedStatement inboxHead;
    final PreparedStatement inboxClaim;
    final PreparedStatement inboxInsertMessage;
    final PreparedStatement inboxInsertReceipt;
    final PreparedStatement inboxInsertChange;
    final PreparedStatement inboxRead;
    final PreparedStatement inboxRecent;
    final PreparedStatement inboxUsers;
    final PreparedStatement inboxOldest;
    final PreparedStatement inboxDeleteRange;

    // ---- receipts
    final PreparedStatement watermarkSelect;
    final PreparedStatement watermarkCas;
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
        cursorSelect = idempotent(s, "SELECT cursor FROM " + ks + ".cursors WHERE user_id = ? AND device_id = ?");
        cursorInsertIfNotExists = s.prepare("INSERT INTO " + ks + ".cursors (user_id, device_id, cursor)"
                + " VALUES (?, ?, ?) IF NOT EXISTS");
        cursorUpdateIf = s.prepare("UPDATE " + ks + ".cursors SET cursor = ? WHERE user_id = ? AND device_id = ?"
                + " IF cursor = ?");
        cursorDelete = idempotent(s, "DELETE FROM " + ks + ".cursors WHERE user_id = ? AND device_id = ?");

        convState = idempotent(s, "SELECT " + STATE_COLUMNS + " FROM " + ks + ".messages WHERE conv_id = ? LIMIT 1");
        convCreate = s.prepare("INSERT INTO " + ks + ".messages (conv_id, kind, name, members, created_by,"
                + " created_at, version, head, fanned, changes_fanned, change_id, change, change_actor, change_users,"
                + " change_notify, change_removed, change_ts)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        convUpdate = s.prepare("UPDATE " + ks + ".messages SET kind = ?, name = ?, members = ?, created_by = ?,"
                + " created_at = ?, version = ?, change_id = ?, change = ?, change_actor = ?, change_users = ?,"
                + " change_notify = ?, change_removed = ?, change_ts = ? WHERE conv_id = ? IF version = ? AND head = ?");
        claimHead = s.prepare("UPDATE " + ks + ".messages SET head = ?, head_ts = ? WHERE conv_id = ?"
                + " IF version = ? AND head = ?");
        claimMarker = s.prepare("INSERT INTO " + ks + ".messages (conv_id, seq, idem, ref_seq, message_id)"
                + " VALUES (?, 0, ?, ?, ?) IF NOT EXISTS");
        claimMessage = s.prepare("INSERT INTO " + ks + ".messages (conv_id, seq, idem, message_id, sender_id,"
                + " sender_device, client_msg_id, ts, body, content_type) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?)");
        markersSelect = idempotent(s, "SELECT idem, ref_seq, message_id FROM " + ks + ".messages"
                + " WHERE conv_id = ? AND seq = 0 AND idem IN ?");
        markFanned = s.prepare("UPDATE " + ks + ".messages SET fanned = ? WHERE conv_id = ? IF fanned = ?");
        markChangesFanned = s.prepare("UPDATE " + ks + ".messages SET changes_fanned = ? WHERE conv_id = ?"
                + " IF changes_fanned = ?");
        messageRange = idempotent(s, "SELECT " + MESSAGE_COLUMNS + " FROM " + ks + ".messages"
                + " WHERE conv_id = ? AND seq >= ? AND seq <= ?");
        messagesIn = idempotent(s, "SELECT " + MESSAGE_COLUMNS + " FROM " + ks + ".messages"
                + " WHERE conv_id = ? AND seq IN ?");
        messageTs = idempotent(s, "SELECT ts FROM " + ks + ".messages WHERE conv_id = ? AND seq = ?");
        sendersInRange = idempotent(s, "SELECT sender_id FROM " + ks + ".messages"
                + " WHERE conv_id = ? AND seq > ? AND seq <= ?");
        userConversationInsert = idempotent(s, "INSERT INTO " + ks + ".user_conversations (user_id, conv_id)"
                + " VALUES (?, ?) USING TIMESTAMP ?");
        userConversationDelete = idempotent(s, "DELETE FROM " + ks + ".user_conversations USING TIMESTAMP ?"
                + " WHERE user_id = ? AND conv_id = ?");
        userConversations = idempotent(s, "SELECT conv_id FROM " + ks + ".user_conversations WHERE user_id = ?");

        inboxState = idempotent(s, "SELECT head, conv_seq, conv_version, last_batch FROM " + ks
                + ".inbox WHERE user_id = ? LIMIT 1");
        inboxHead = idempotent(s, "SELECT head FROM " + ks + ".inbox WHERE user_id = ? LIMIT 1");
        inboxClaim = s.prepare("UPDATE " + ks + ".inbox SET head = ?, last_batch = ?, conv_seq = conv_seq + ?,"
                + " conv_version = conv_version + ? WHERE user_id = ? IF head = ? AND last_batch = ?");
        inboxInsertMessage = s.prepare("INSERT INTO " + ks + ".inbox (user_id, cursor, ts, kind, conv_id, seq)"
                + " VALUES (?, ?, ?, 1, ?, ?)");
        inboxInsertReceipt = s.prepare("INSERT INTO " + ks + ".inbox (user_id, cursor, ts, kind, conv_id,"
                + " receipt_user, receipt_kind, up_to) VALUES (?, ?, ?, 2, ?, ?, ?, ?)");
        inboxInsertChange = s.prepare("INSERT INTO " + ks + ".inbox (user_id, cursor, ts, kind, conv_id, change,"
                + " actor, users, c_kind, c_name, c_members, c_created_by, c_created_at, c_version)"
                + " VALUES (?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        inboxRead = idempotent(s, "SELECT " + INBOX_COLUMNS + " FROM " + ks + ".inbox"
                + " WHERE user_id = ? AND cursor > ? LIMIT ?");
        inboxRecent = idempotent(s, "SELECT " + INBOX_COLUMNS + " FROM " + ks + ".inbox"
                + " WHERE user_id = ? ORDER BY cursor DESC LIMIT ?");
        inboxUsers = idempotent(s, "SELECT DISTINCT user_id FROM " + ks + ".inbox");
        inboxOldest = idempotent(s, "SELECT cursor, ts FROM " + ks + ".inbox WHERE user_id = ? AND cursor >= ? LIMIT ?");
        inboxDeleteRange = idempotent(s, "DELETE FROM " + ks + ".inbox WHERE user_id = ? AND cursor >= ?"
                + " AND cursor < ?");

        watermarkSelect = idempotent(s, "SELECT delivered, read, delivered_fanned, read_fanned FROM " + ks
                + ".watermarks WHERE conv_id = ? AND user_id = ?");
        watermarkCas = s.prepare("UPDATE " + ks + ".watermarks SET delivered = ?, read = ?, delivered_fanned = ?,"
                + " read_fanned = ? WHERE conv_id = ? AND user_id = ?"
                + " IF delivered = ? AND read = ? AND delivered_fanned = ? AND read_fanned = ?");
        watermarksOfConversation = idempotent(s, "SELECT user_id, delivered, read FROM " + ks
                + ".watermarks WHERE conv_id = ?");
    }

    private static PreparedStatement idempotent(CqlSession s, String cql) {
        return s.prepare(SimpleStatement.newInstance(cql).setIdempotent(true));
    }
}
