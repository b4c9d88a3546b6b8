package dev.parley.core.message;

import dev.parley.core.conversation.Conversation;
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
     * added, removed, left; {@code users} are the users it concerns; {@code conversation} is the
     * state after the change.
     */
    record MembershipChanged(String conversationId, String change, String actorId, List<String> users,
                             Conversation conversation) implements InboxEvent {
        public MembershipChanged {
            users = List.copyOf(users);
        }
    }
}
