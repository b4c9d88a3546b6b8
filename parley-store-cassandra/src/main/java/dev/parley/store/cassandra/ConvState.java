package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A conversation's state as held in the static columns of its {@code messages} partition: the
 * conversation itself, the log's head, and how far its fan-out has come.
 *
 * @param conversation  the conversation (its current version)
 * @param head          the highest sequence number claimed (0 when the log is empty)
 * @param headTs        the timestamp of the message at {@code head}, or null
 * @param fanned        every message up to this sequence number is in every member's inbox
 * @param changesFanned the last conversation version whose membership entries are written; below
 *                      {@code conversation.version()} while a change's fan-out is pending
 * @param change        the last change (the one at {@code conversation.version()})
 */
record ConvState(Conversation conversation, long head, Instant headTs, long fanned, long changesFanned,
                 Change change) {

    /** The last change of the conversation: what its membership entries say, and to whom. */
    record Change(UUID id, String kind, String actor, List<String> users, List<String> recipients, List<String> removed,
                  Instant ts) {
        InboxEvent.MembershipChanged event(Conversation conversation) {
            return new InboxEvent.MembershipChanged(conversation.id(), kind, actor, users, conversation);
        }
    }

    long version() {
        return conversation.version();
    }

    boolean changePending() {
        return changesFanned < conversation.version();
    }

    /** Everything claimed is fanned out and no change is pending. */
    boolean quiet() {
        return fanned >= head && !changePending();
    }

    /** Decodes the static columns; null when the row is absent or carries no conversation. */
    static ConvState from(String conversationId, Row row) {
        if (row == null || row.isNull("version")) {
            return null;
        }
        Conversation c = new Conversation(conversationId, Conversation.Kind.valueOf(row.getString("kind")),
                row.getString("name"), list(row, "members"), row.getString("created_by"),
                Instant.parse(row.getString("created_at")), row.getLong("version"));
        Change change = new Change(row.getUuid("change_id"), row.getString("change"), row.getString("change_actor"),
                list(row, "change_users"), list(row, "change_notify"), list(row, "change_removed"),
                row.getInstant("change_ts"));
        return new ConvState(c, row.getLong("head"), row.getInstant("head_ts"), row.getLong("fanned"),
                row.getLong("changes_fanned"), change);
    }

    static List<String> list(Row row, String column) {
        List<String> l = row.getList(column, String.class);
        return l == null ? List.of() : List.copyOf(l);
    }
}
