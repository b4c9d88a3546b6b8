package dev.parley.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Completes the futures the client returned to its caller on the callback executor, so that a
 * caller's dependent stages never run on (and never block) the loop or listener thread.
 */
final class Callbacks {
    private final Executor executor;

    Callbacks(Executor executor) {
        this.executor = executor;
    }

    <T> void complete(CompletableFuture<T> f, T value) {
        executor.execute(() -> f.complete(value));
    }

    /** Fails {@code f}; in place when the executor refuses (it is shutting down), so no caller waits forever. */
    void fail(CompletableFuture<?> f, Throwable t) {
        try {
            executor.execute(() -> f.completeExceptionally(t));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(t);
        }
    }

    void execute(Runnable task) {
        executor.execute(task);
    }
}
