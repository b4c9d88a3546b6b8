package dev.parley.core.account;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The threads that hash and verify passwords (Argon2id: deliberately slow), with a bounded
 * queue. When {@code threads} hashes run and {@code queueSize} wait, a new one is refused at once
 * with the retryable {@code SERVER_BUSY} instead of queueing without bound: a flood of logins then
 * costs neither memory nor ever longer waits, and the client retries later.
 *
 * <p>Thread-safe. {@link #close()} lets queued work finish and stops the threads.
 */
public final class HashingPool implements AutoCloseable {
    private final ThreadPoolExecutor executor;

    /**
     * @param threads   hashes computed at once (the server uses one per core)
     * @param queueSize hashes that may wait for a thread
     */
    public HashingPool(int threads, int queueSize) {
        if (threads < 1 || queueSize < 1) {
            throw new IllegalArgumentException("threads and queueSize must be positive, were " + threads + ", "
                    + queueSize);
        }
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueSize), r -> {
                    Thread t = new Thread(r, "parley-hashing");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Runs {@code work} on a hashing thread; the stage fails with {@code SERVER_BUSY} (nothing
     * run) when the queue is full, or with whatever {@code work} throws.
     */
    public <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.SERVER_BUSY,
                    "the server is busy checking passwords; retry in a moment", 1_000));
        }
    }

    /** Hashes waiting for a thread now. */
    public int queued() {
        return executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
