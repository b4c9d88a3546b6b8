package dev.parley.protocol;

import java.util.List;

/**
 * Every frame a client may send over the WebSocket. Each carries a client-chosen {@code id}
 * (a string of 1 to 64 characters) that the server echoes in its reply; the wire {@code type}
 * of each record is given by {@link FrameCodec}. Fields are boxed so that a missing field can be
 * told from a zero; {@link #validate()} checks presence and ranges and throws
 * {@link ParleyException} with {@link ErrorCode#INVALID_FIELD}.
 */
public sealed interface ClientFrame {

    /** The client-chosen request id echoed by the reply. */
    String id();

    /** Checks required fields and ranges that need no server state. */
    default void validate() {
        Fields.requireId(id());
    }

    /** Authenticates the connection when the token was not given in the URL or header. */
    record Auth(String id, String token) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("token", token, 512);
        }
    }

    /**
     * Starts delivery of the user's inbox after {@code after} (a cursor); without it, after the
     * cursor this device last acknowledged. Answered by {@code synced} once the backlog that
     * existed when the request arrived has been sent.
     */
    record Sync(String id, Long after) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            if (after != null) Fields.requireNonNegative("after", after);
        }
    }

    /** Sends a message; answered by {@code sent} once the message is durable. */
    record Send(String id, String conv, String clientMsgId, String body, String contentType) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            Fields.requireText("clientMsgId", clientMsgId, 64);
            if (body == null) throw Fields.invalid("body is required");
            Fields.requireWellFormed("body", body);
            if (contentType != null) Fields.requireText("contentType", contentType, 128);
        }
    }

    /** Acknowledges every inbox entry up to and including cursor {@code upTo}. */
    record Ack(String id, Long upTo) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            if (upTo == null) throw Fields.invalid("upTo is required");
            Fields.requireNonNegative("upTo", upTo);
        }
    }

    /** Marks every message of {@code conv} up to sequence {@code upTo} as read. */
    record Read(String id, String conv, Long upTo) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            if (upTo == null) throw Fields.invalid("upTo is required");
            Fields.requirePositive("upTo", upTo);
        }
    }

    /** Typing indicator, {@code state} is {@code start} or {@code stop}; never stored. */
    record Typing(String id, String conv, String state) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            if (!"start".equals(state) && !"stop".equals(state)) {
                throw Fields.invalid("state must be \"start\" or \"stop\"");
            }
        }
    }

    /**
     * Pages through a conversation. At most one of {@code beforeSeq}, {@code afterSeq},
     * {@code beforeTs}, {@code afterTs} (epoch milliseconds); none means the newest messages.
     */
    record History(String id, String conv, Long beforeSeq, Long afterSeq, Long beforeTs, Long afterTs, Integer limit)
            implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            int given = (beforeSeq != null ? 1 : 0) + (afterSeq != null ? 1 : 0)
                    + (beforeTs != null ? 1 : 0) + (afterTs != null ? 1 : 0);
            if (given > 1) throw Fields.invalid("give at most one of beforeSeq, afterSeq, beforeTs, afterTs");
            if (beforeSeq != null) Fields.requireNonNegative("beforeSeq", beforeSeq);
            if (afterSeq != null) Fields.requireNonNegative("afterSeq", afterSeq);
            if (beforeTs != null) Fields.requireNonNegative("beforeTs", beforeTs);
            if (afterTs != null) Fields.requireNonNegative("afterTs", afterTs);
            if (limit != null && (limit < 1 || limit > 1000)) throw Fields.invalid("limit must be between 1 and 1000");
        }
    }

    /** Opens (creating on first use) the one direct conversation with {@code user}. */
    record OpenDirect(String id, String user) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("user", user, 64);
        }
    }

    /** Creates a group with the caller and {@code members}. */
    record CreateGroup(String id, String name, List<String> members) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("name", name, 128);
            Fields.requireUsers("members", members, true);
        }
    }

    /** Renames a group. */
    record RenameGroup(String id, String conv, String name) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            Fields.requireText("name", name, 128);
        }
    }

    /** Adds users to a group. */
    record AddMembers(String id, String conv, List<String> users) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            Fields.requireUsers("users", users, false);
        }
    }

    /** Removes a user from a group. */
    record RemoveMember(String id, String conv, String user) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            Fields.requireText("user", user, 64);
        }
    }

    /** Leaves a group. */
    record LeaveGroup(String id, String conv) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
        }
    }

    /** Reads one conversation the caller is a member of, with its full member list. */
    record GetConversation(String id, String conv) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
        }
    }

    /** Makes another member of a group an admin; only an admin may. */
    record PromoteAdmin(String id, String conv, String user) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            Fields.requireText("user", user, 64);
        }
    }

    /** Adds {@code user} to the caller's contacts (idempotent). */
    record AddContact(String id, String user) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("user", user, 64);
        }
    }

    /** Removes {@code user} from the caller's contacts (idempotent). */
    record RemoveContact(String id, String user) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("user", user, 64);
        }
    }

    /** Lists the caller's contacts. */
    record ListContacts(String id) implements ClientFrame {
    }

    /** Lists the caller's conversations. */
    record ListConversations(String id) implements ClientFrame {
    }

    /** Subscribes this connection to presence changes of {@code users}; answered with their current presence. */
    record SubscribePresence(String id, List<String> users) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireUsers("users", users, false);
        }
    }

    /**
     * Sets who may see the caller's last-seen time ({@code lastSeen}) and who may add the caller
     * to groups ({@code groupAdd}); each is {@code everyone}, {@code contacts} or {@code nobody},
     * and at least one must be given.
     */
    record SetPrivacy(String id, String lastSeen, String groupAdd) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            if (lastSeen == null && groupAdd == null) {
                throw Fields.invalid("give lastSeen, groupAdd or both");
            }
            if (lastSeen != null && !audience(lastSeen)) {
                throw Fields.invalid("lastSeen must be \"everyone\", \"contacts\" or \"nobody\"");
            }
            if (groupAdd != null && !audience(groupAdd)) {
                throw Fields.invalid("groupAdd must be \"everyone\", \"contacts\" or \"nobody\"");
            }
        }

        private static boolean audience(String v) {
            return "everyone".equals(v) || "contacts".equals(v) || "nobody".equals(v);
        }
    }

    /**
     * Sets where the server wakes this device when it is offline: {@code provider} is {@code apns},
     * {@code fcm}, {@code webpush} or {@code webhook} (those the server enables), or {@code none} to
     * clear; {@code target} is the APNs device token, the FCM registration token, the Web Push
     * subscription as JSON ({@code {"endpoint":..,"keys":{"p256dh":..,"auth":..}}}) or the webhook URL.
     */
    record SetPush(String id, String provider, String target) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("provider", provider, 16);
            if (!"none".equals(provider)) {
                Fields.requireText("target", target, 4096);
            }
        }
    }

    /** Asks for the per-member receipt status of one message. */
    record MessageInfo(String id, String conv, Long seq) implements ClientFrame {
        @Override public void validate() {
            Fields.requireId(id);
            Fields.requireText("conv", conv, 128);
            if (seq == null) throw Fields.invalid("seq is required");
            Fields.requirePositive("seq", seq);
        }
    }

    /** Application-level heartbeat; answered by {@code pong}. */
    record Ping(String id) implements ClientFrame {
    }
}
