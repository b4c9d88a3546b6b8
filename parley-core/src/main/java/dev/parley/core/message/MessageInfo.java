package dev.parley.core.message;

import java.util.List;
import java.util.Locale;

/**
 * The receipt state of one message: per member (the sender left out) and the aggregate, which
 * is the lowest among the members ({@link Status#SENT} when there is no other member).
 */
public record MessageInfo(String conversationId, long seq, List<MemberStatus> members, Status aggregate) {
    public MessageInfo {
        members = List.copyOf(members);
    }

    /** How far a message got with one recipient; ordered, lowest first. */
    public enum Status {
        SENT, DELIVERED, READ;

        /** The protocol's name: sent, delivered, read. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One member's status for the message and their watermarks in the conversation. */
    public record MemberStatus(String userId, Status status, long deliveredUpTo, long readUpTo) {
    }
}
