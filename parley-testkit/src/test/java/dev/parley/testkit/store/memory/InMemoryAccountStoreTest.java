package dev.parley.testkit.store.memory;

import dev.parley.core.account.AccountStore;
import dev.parley.testkit.store.AccountStoreContract;

/** The fake passes the account store contract the adapters pass. */
class InMemoryAccountStoreTest extends AccountStoreContract {
    @Override
    protected AccountStore createStore() {
        return new InMemoryAccountStore();
    }
}
