package dev.parley.store.rocksdb;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer. Callers {@link #submit} write requests into a bounded queue; one thread
 * drains up to {@code batchMax} of them, runs each against a {@link Txn} (so later requests of
 * the group see earlier ones' effects, and a failing request is dropped alone), writes the
 * group as one {@link WriteBatch} (synced when the fsync policy says so), and then completes
 * the requests' futures, in order. While writes keep coming it commits at most once per commit
 * interval ({@link RocksDbStore.Options#commitIntervalMicros()}), gathering them into fewer syncs.
 *
 * <p>Where the futures complete adapts to the load. When nothing else is queued and no earlier
 * group is still being completed, the committer completes a small group itself: it has nothing
 * better to do, and handing the group to another thread would cost a wake-up and a context switch
 * per commit, which at moderate rates was a large part of a message's CPU (a commit carries one
 * to three requests there). Under load it hands groups to the completion executor, so that
 * callers' continuations never stall the commits behind them. Either way groups complete one
 * after the other, in commit order.
 */
final class GroupCommitter {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
    /** Largest group the committer completes itself when idle; larger ones go to the completer. */
    static final int INLINE_COMPLETION_MAX = 16;

    /** One write: reads what it needs through the txn, stages its writes, returns its result. */
    @FunctionalInterface
    interface WriteOp<T> {
        T apply(Txn txn);
    }

    private static final class Pending<T> {
        final String name;
        final WriteOp<T> op;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        Throwable error;

        Pending(String name, WriteOp<T> op) {
            this.name = name;
            this.op = op;
        }

        void run(Txn txn) {
            result = op.apply(txn);
        }

        void complete() {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(result);
            }
        }
    }

    private final Storage storage;
    private final BlockingQueue<Pending<?>> queue;
    private final int batchMax;
    private final ExecutorService completer;
    private final long commitIntervalNanos;
    private long lastCommitEndNanos;
    /** Groups handed to {@link #completer} and not yet completed; read and raised by the committer only. */
    private final AtomicInteger handedOff = new AtomicInteger();
    private final ReadOptions readOptions = new ReadOptions();
    private final CommittedHeads committed;
    private final Thread thread;
    private volatile boolean closing;

    GroupCommitter(Storage storage, RocksDbStore.Options options, ExecutorService completer) {
        this.storage = storage;
        this.queue = new LinkedBlockingQueue<>(options.queueCapacity());
        this.batchMax = options.batchMax();
        this.commitIntervalNanos = TimeUnit.MICROSECONDS.toNanos(options.commitIntervalMicros());
        this.lastCommitEndNanos = System.nanoTime() - commitIntervalNanos;
        this.completer = completer;
        this.committed = new CommittedHeads(storage, readOptions);
        this.thread = new Thread(this::loop, "parley-rocksdb-committer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Enqueues a write; fails fast with UNAVAILABLE when the queue is full or the store is closed. */
    <T> CompletableFuture<T> submit(String name, WriteOp<T> op) {
        if (closing) {
            return CompletableFuture.failedFuture(closed());
        }
        Pending<T> p = new Pending<>(name, op);
        if (!queue.offer(p)) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE, "store overloaded"));
        }
        // close() may have drained the queue between our check and our offer: take it back.
        if (closing && queue.remove(p)) {
            return CompletableFuture.failedFuture(closed());
        }
        return p.future;
    }

    /** Stops accepting, commits what is queued, and waits for the thread to finish. */
    void close() throws InterruptedException {
        closing = true;
        thread.join();
        readOptions.close();
    }

    private void loop() {
        List<Pending<?>> group = new ArrayList<>(batchMax);
        while (true) {
            try {
                Pending<?> first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                gather();
                group.add(first);
                queue.drainTo(group, batchMax - 1);
                commit(group);
                lastCommitEndNanos = System.nanoTime();
            } catch (InterruptedException e) {
                if (!closing) {
                    log.warn("committer interrupted while open; continuing");
                }
            } catch (Throwable t) {
                // commit() completes every request itself; this is a bug or an Error, perhaps
                // between the write and publishing its heads: forget them, as a failed write does.
                committed.clear();
                log.error("committer failed on a group of {} requests", group.size(), t);
                failAll(group, new ParleyException(ErrorCode.INTERNAL, "store write failed", t));
            } finally {
                group.clear();
            }
        }
    }

    /**
     * Waits out the rest of the commit interval when the last commit ended less than an interval
     * ago, so that what arrives meanwhile joins this group: at moderate rates a group held one to
     * three requests, and each commit's sync (three waits on the disk), write and wake-ups cost
     * more than the requests themselves. Producers do not wake a parked committer (the queue
     * signals only a taker waiting on it), so the interval also saves their wake-ups. Idle or
     * saturated, it does not wait: the last commit is long past, or the group is already full.
     */
    private void gather() {
        long wait = lastCommitEndNanos + commitIntervalNanos - System.nanoTime();
        if (wait > 0 && queue.size() < batchMax - 1) {
            LockSupport.parkNanos(wait);
        }
    }

    private void commit(List<Pending<?>> group) {
        Txn txn = new Txn(storage, committed, readOptions);
        for (Pending<?> p : group) {
            txn.beginRequest();
            try {
                p.run(txn);
                txn.commitRequest();
            } catch (ParleyException e) {
                txn.abortRequest();
                if (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INTERNAL) {
                    log.error("{} failed", p.name, e);
                }
                p.error = e;
            } catch (RuntimeException e) {
                txn.abortRequest();
                log.error("{} failed unexpectedly", p.name, e);
                p.error = new ParleyException(ErrorCode.INTERNAL, p.name + " failed", e);
            }
        }
        if (txn.hasWrites()) {
            try (WriteBatch batch = new WriteBatch()) {
                txn.fill(batch);
                storage.db.write(storage.writeOptions, batch);
                txn.publish();
            } catch (RocksDBException e) {
                // The write may or may not have reached the log: reload counters from disk.
                committed.clear();
                log.error("group commit of {} requests failed", group.size(), e);
                failAll(group, Txn.unavailable("store write failed", e));
                return;
            }
        }
        completeAll(group);
    }

    private void failAll(List<Pending<?>> group, Throwable error) {
        for (Pending<?> p : group) {
            p.error = error;
        }
        completeAll(group);
    }

    private void completeAll(List<Pending<?>> group) {
        if (group.size() <= INLINE_COMPLETION_MAX && queue.isEmpty() && handedOff.get() == 0) {
            group.forEach(Pending::complete);
            return;
        }
        List<Pending<?>> done = List.copyOf(group);
        handedOff.incrementAndGet();
        try {
            completer.execute(() -> {
                try {
                    done.forEach(Pending::complete);
                } finally {
                    handedOff.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            handedOff.decrementAndGet();
            done.forEach(Pending::complete);
        }
    }

    private static ParleyException closed() {
        return new ParleyException(ErrorCode.UNAVAILABLE, "store closed");
    }
}
