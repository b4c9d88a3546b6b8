package dev.parley.testkit.store;

import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.message.MessageStore;
import java.util.Objects;

/**
 * The two ports of one backend over the same state, as {@link MessageStoreContract} and
 * {@link ConversationStoreContract} need them: a conversation's membership entries land in the
 * message store's inboxes, and a message is appended under the conversation store's membership.
 */
public record MessagingStores(ConversationStore conversations, MessageStore messages) {
    public MessagingStores {
        Objects.requireNonNull(conversations, "conversations");
        Objects.requireNonNull(messages, "messages");
    }

    /** Both ports served by one object, as every adapter does today. */
    public static <S extends ConversationStore & MessageStore> MessagingStores of(S both) {
        return new MessagingStores(both, both);
    }
}
