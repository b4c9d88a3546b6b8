package dev.parley.testkit.store.memory;

import dev.parley.core.contact.ContactStore;
import dev.parley.testkit.store.ContactStoreContract;

/** The fake passes the contact store contract the adapters pass. */
class InMemoryContactStoreTest extends ContactStoreContract {
    @Override
    protected ContactStore createStore() {
        return new InMemoryContactStore();
    }
}
