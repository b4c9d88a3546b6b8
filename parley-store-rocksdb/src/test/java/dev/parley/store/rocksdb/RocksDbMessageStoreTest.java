package dev.parley.store.rocksdb;

import dev.parley.core.message.MessageStore;
import dev.parley.testkit.store.MessageStoreContract;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class RocksDbMessageStoreTest extends MessageStoreContract {
    @TempDir
    Path dir;

    @Override
    protected MessageStore createStore(Clock clock) {
        return new RocksDbStore(dir, RocksDbStore.Options.DEFAULTS, clock);
    }
}
