package dev.parley.testkit.store.memory;

import dev.parley.testkit.store.ConversationStoreContract;
import dev.parley.testkit.store.MessagingStores;
import java.time.Clock;

/** The fake passes the conversation store contract the adapters pass. */
class InMemoryConversationStoreTest extends ConversationStoreContract {
    @Override
    protected MessagingStores createStores(Clock clock) {
        return MessagingStores.of(new InMemoryMessageStore(clock));
    }
}
