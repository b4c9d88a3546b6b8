package dev.parley.core.message;

import java.util.List;

/** What a per-user inbox entry says happened. */
public sealed interface InboxEvent {

    String conversationId();

    /** A message was appended to one of the user's conversations (the user's own included). */
    record MessageAdded(StoredMessage message) implements InboxEvent {
        @Override public String conversationId() {
            return message.conversationId();
        }
    }

    /** {@code userId}'s watermark of {@code kind} in the conversation advanced to {@code upTo}. */
    record ReceiptAdvanced(String conversationId, String userId, ReceiptKind kind, long upTo) implements InboxEvent {
    }

    /**
     * The conversation was created or changed. {@code change} is one of created, renamed,
     * added, removed, left, promoted; {@code users} are the users it concerns (never the member
     * list: empty for created and renamed); {@code name} is the name after created or renamed
     * and null otherwise; {@code version} is the conversation's version after the change. An
     * entry's size therefore does not grow with the group.
     */
    record MembershipChanged(String conversationId, String change, String actorId, List<String> users, String name,
                             long version) implements InboxEvent {
        public MembershipChanged {
            users = List.copyOf(users);
        }
    }
}
