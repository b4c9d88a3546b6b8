package dev.parley.store.rocksdb;

import dev.parley.testkit.store.MessageStoreContract;
import dev.parley.testkit.store.MessagingStores;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class RocksDbMessageStoreTest extends MessageStoreContract {
    @TempDir
    Path dir;

    @Override
    protected MessagingStores createStores(Clock clock) {
        return MessagingStores.of(new RocksDbStore(dir, RocksDbStore.Options.DEFAULTS, clock));
    }
}
