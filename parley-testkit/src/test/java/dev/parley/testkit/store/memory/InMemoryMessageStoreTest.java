package dev.parley.testkit.store.memory;

import dev.parley.testkit.store.MessageStoreContract;
import dev.parley.testkit.store.MessagingStores;
import java.time.Clock;

/** The fake passes the message store contract the adapters pass. */
class InMemoryMessageStoreTest extends MessageStoreContract {
    @Override
    protected MessagingStores createStores(Clock clock) {
        return MessagingStores.of(new InMemoryMessageStore(clock));
    }
}
