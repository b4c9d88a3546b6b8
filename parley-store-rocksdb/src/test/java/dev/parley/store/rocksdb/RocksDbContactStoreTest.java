package dev.parley.store.rocksdb;

import dev.parley.core.contact.ContactStore;
import dev.parley.testkit.store.ContactStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class RocksDbContactStoreTest extends ContactStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ContactStore createStore() {
        return new RocksDbStore(dir);
    }
}
