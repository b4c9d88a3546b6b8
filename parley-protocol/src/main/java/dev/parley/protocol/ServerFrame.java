package dev.parley.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Every frame the server sends. Replies carry the {@code id} of the request they answer; events
 * carry no id. Inbox events ({@link MessageEvent}, {@link ReceiptEvent}, {@link MembershipEvent})
 * carry the {@code cursor} of their inbox entry: strictly increasing per user, so a device drops
 * any entry whose cursor it has already seen and acknowledges by cursor. The wire {@code type}
 * of each record is given by {@link FrameCodec}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerFrame {

    /** Sent once after a successful authentication. */
    record Welcome(int protocol, String user, String device, String server, int heartbeatSeconds,
                   Map<String, Long> limits) implements ServerFrame {
    }

    /** Generic success reply. */
    record Ok(String id) implements ServerFrame {
    }

    /**
     * Failure reply; {@code id} is null when the failing frame had no readable id.
     * {@code retryAfterMs}, when present, is how long to wait before the same request can succeed
     * (a rate limit's window); absent when the server cannot tell.
     */
    record Error(String id, String code, String message, boolean retryable, Long retryAfterMs)
            implements ServerFrame {
        /** An error without a retry hint. */
        public Error(String id, String code, String message, boolean retryable) {
            this(id, code, message, retryable, null);
        }

        public static Error of(String id, ParleyException e) {
            return new Error(id, e.code().name(), e.getMessage(), e.code().retryable(),
                    e.retryAfterMs() > 0 ? e.retryAfterMs() : null);
        }
    }

    /** ✓ sent: the message is durable. {@code duplicate} is true when this answers a retried send. */
    record Sent(String id, String conv, String clientMsgId, String msgId, long seq, long ts, boolean duplicate)
            implements ServerFrame {
    }

    /** The backlog up to {@code head} (the inbox head when the sync arrived) has been sent. */
    record Synced(String id, long from, long head) implements ServerFrame {
    }

    /** A page of history, oldest first. */
    record HistoryPage(String id, String conv, List<MessageView> messages, boolean hasMore) implements ServerFrame {
    }

    /** Reply carrying one conversation. */
    record ConversationReply(String id, ConversationView conversation) implements ServerFrame {
    }

    /** Reply carrying the caller's conversations. */
    record ConversationList(String id, List<ConversationView> conversations) implements ServerFrame {
    }

    /** Reply to a presence subscription: the current presence of each user. */
    record PresenceList(String id, List<PresenceView> presences) implements ServerFrame {
    }

    /** Reply carrying the caller's contacts. */
    record ContactList(String id, List<String> contacts) implements ServerFrame {
    }

    /** Reply to a ping. */
    record Pong(String id, long ts) implements ServerFrame {
    }

    /** Per-member receipt status of one message, and the aggregate over the members. */
    record MessageInfoReply(String id, String conv, long seq, List<MemberReceipt> members, String aggregate)
            implements ServerFrame {
    }

    /** A message in one of the user's conversations (including the user's own, for other devices). */
    record MessageEvent(long cursor, MessageView message) implements ServerFrame {
    }

    /**
     * {@code user}'s devices have received ({@code delivered}) or {@code user} has read ({@code read})
     * every message of {@code conv} up to sequence {@code upTo}.
     */
    record ReceiptEvent(long cursor, String conv, String user, String status, long upTo, long ts)
            implements ServerFrame {
    }

    /**
     * Membership, admins or name of a conversation changed. It carries only the change, never the
     * member list: {@code users} are the users the change concerns, {@code name} the name after a
     * {@code created} or {@code renamed} change (absent otherwise), {@code version} the
     * conversation's version after the change. The full state is one {@code get_conversation} away.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MembershipEvent(long cursor, String conv, String change, String actor, List<String> users, String name,
                           long version, long ts) implements ServerFrame {
    }

    /** Presence of a subscribed user changed; ephemeral. */
    record PresenceEvent(String user, boolean online, Long lastSeen) implements ServerFrame {
    }

    /** Someone is typing in a conversation; ephemeral. */
    record TypingEvent(String conv, String user, String state) implements ServerFrame {
    }

    /** The server is going away; reconnect after {@code retryAfterMs} (to any server). */
    record Reconnect(String reason, long retryAfterMs) implements ServerFrame {
    }

    /** A stored message as clients see it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MessageView(String conv, long seq, String msgId, String from, String fromDevice, String clientMsgId,
                       long ts, String body, String contentType) {
    }

    /**
     * A conversation as clients see it. {@code kind} is {@code direct} or {@code group};
     * {@code admins} are the members who may change a group (empty for a direct conversation);
     * {@code version} rises with every change of membership, admins or name.
     */
    record ConversationView(String conv, String kind, String name, List<String> members, String createdBy,
                            long createdAt, long lastSeq, List<String> admins, long version) {
    }

    /** A user's presence; {@code lastSeen} is null when hidden by the user's privacy setting or never seen. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PresenceView(String user, boolean online, Long lastSeen) {
    }

    /** One member's receipt state in a conversation. {@code status} is sent, delivered or read. */
    record MemberReceipt(String user, String status, long deliveredUpTo, long readUpTo) {
    }
}
