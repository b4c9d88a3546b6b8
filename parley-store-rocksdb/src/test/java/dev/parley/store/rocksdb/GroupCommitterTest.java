package dev.parley.store.rocksdb;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committer's failure paths (what it remembers never outlives a write it cannot vouch for) and
 * where it completes requests (itself when idle, the completer under load, in commit order always).
 */
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

    @Test
    void requestsCompleteInCommitOrderWhetherHandedOffOrCompletedByAnIdleCommitter() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch releaseCompleter = new CountDownLatch(1);
        completer.execute(() -> awaitLatch(releaseCompleter)); // the completer is busy until told
        List<Integer> completed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Integer>> futures = new ArrayList<>();

        CompletableFuture<Integer> first = committer.submit("first", txn -> {
            firstRunning.countDown();
            awaitLatch(releaseFirst);
            return 0;
        });
        futures.add(first);
        assertThat(firstRunning.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 20; i++) { // queued behind the first: the committer is not idle
            int n = i;
            futures.add(committer.submit("queued " + n, txn -> n));
        }
        for (CompletableFuture<Integer> f : futures) {
            f.thenAccept(completed::add);
        }
        releaseFirst.countDown();
        // Once groups went to the busy completer, a lone request must wait its turn behind them.
        Thread.sleep(100);
        CompletableFuture<Integer> alone = committer.submit("alone", txn -> 21);
        alone.thenAccept(completed::add);
        assertThat(completed).as("nothing completes ahead of the busy completer").isEmpty();

        releaseCompleter.countDown();
        assertThat(await(alone)).isEqualTo(21);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i <= 21; i++) {
            expected.add(i);
        }
        assertThat(completed).containsExactlyElementsOf(expected);

        // Idle again: a lone request is completed by the committer itself, no hand-off.
        CountDownLatch attached = new CountDownLatch(1);
        CompletableFuture<String> where = committer.submit("idle", txn -> {
            awaitLatch(attached);
            return "value";
        }).thenApply(v -> Thread.currentThread().getName());
        attached.countDown();
        assertThat(await(where)).isEqualTo("parley-rocksdb-committer");
    }

    @Test
    void whileWritesKeepComingTheyAreGatheredIntoOneCommitPerInterval() throws Exception {
        committer.close();
        committer = new GroupCommitter(storage, RocksDbStore.Options.DEFAULTS.withCommitIntervalMicros(500_000), completer);

        long start = System.nanoTime();
        Object first = await(committer.submit("first", txn -> txn));
        long firstDone = System.nanoTime();
        assertThat(firstDone - start).as("an idle committer commits at once").isLessThan(TimeUnit.MILLISECONDS.toNanos(250));

        // Right behind a commit: these wait out the interval and go together, in one write.
        List<CompletableFuture<Object>> next = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            next.add(committer.submit("next " + i, txn -> txn));
        }
        List<Object> txns = next.stream().map(f -> (Object) await(f)).toList();
        long nextDone = System.nanoTime();
        assertThat(txns).as("one group").containsOnly(txns.get(0)).doesNotContain(first);
        assertThat(nextDone - firstDone).as("not before the interval since the last commit")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
