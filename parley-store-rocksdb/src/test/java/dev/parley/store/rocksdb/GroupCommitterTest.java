package dev.parley.store.rocksdb;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committer's failure paths: what it remembers never outlives a write it cannot vouch for. */
class GroupCommitterTest {
    private static final byte[] CURSOR = Keys.deviceCursor("bob", "phone");

    @TempDir
    Path dir;

    private Storage storage;
    private ExecutorService completer;
    private GroupCommitter committer;

    @BeforeEach
    void open() {
        storage = new Storage(dir, RocksDbStore.Options.DEFAULTS);
        completer = Executors.newSingleThreadExecutor();
        committer = new GroupCommitter(storage, RocksDbStore.Options.DEFAULTS, completer);
    }

    @AfterEach
    void close() throws Exception {
        committer.close();
        completer.shutdown();
        storage.close();
    }

    private long readCursor() {
        return await(committer.submit("read", txn -> Codec.u64(txn.get(Cf.CURSORS, CURSOR))));
    }

    @Test
    void anErrorFailsItsGroupWithInternalAndTheCommitterForgetsWhatItRemembered() throws Exception {
        await(committer.submit("save", txn -> {
            txn.put(Cf.CURSORS, CURSOR, Codec.u64(5));
            return null;
        }));
        assertThat(readCursor()).isEqualTo(5); // now remembered by the committer

        // The disk moves on without the committer (as a write that failed after reaching the log
        // would leave it); only a forgotten cache sees it.
        storage.db.put(storage.handle(Cf.CURSORS), CURSOR, Codec.u64(9));
        assertThat(readCursor()).as("still the remembered value").isEqualTo(5);

        assertFailsWith(committer.submit("broken", txn -> {
            throw new StackOverflowError("a bug, not a store failure");
        }), ErrorCode.INTERNAL);

        assertThat(readCursor()).as("reloaded from disk after the error").isEqualTo(9);
    }
}
