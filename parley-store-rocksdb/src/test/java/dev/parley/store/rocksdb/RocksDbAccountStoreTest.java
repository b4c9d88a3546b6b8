package dev.parley.store.rocksdb;

import dev.parley.core.account.AccountStore;
import dev.parley.testkit.store.AccountStoreContract;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class RocksDbAccountStoreTest extends AccountStoreContract {
    @TempDir
    Path dir;

    @Override
    protected AccountStore createStore() {
        return new RocksDbStore(dir, RocksDbStore.Options.DEFAULTS, Clock.systemUTC());
    }
}
