package dev.parley.client;

import dev.parley.protocol.ServerFrame;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Requests awaiting their reply, by request id, and the ids themselves (a base-36 counter, unique
 * per client across connections). A request ends once: with its reply, with
 * {@link ParleyClientException#TIMEOUT} when the request timeout passes first, or with the
 * failure given to {@link #failAll} when its connection ends.
 *
 * <p>Futures of the client's own (internal) requests complete on the loop thread; the caller's
 * complete on the callback executor. Not thread-safe: loop thread only.
 */
final class PendingRequests {
    private final Map<String, Pending<?>> pending = new HashMap<>();
    private final Scheduler scheduler;
    private final Callbacks callbacks;
    private final long timeoutMillis;
    private long counter;

    PendingRequests(Scheduler scheduler, Callbacks callbacks, long timeoutMillis) {
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.timeoutMillis = timeoutMillis;
    }

    /** A fresh request id. Sends draw from the same counter, so no two requests share one. */
    String nextId() {
        return Long.toString(++counter, 36);
    }

    /**
     * Tracks request {@code id}: its reply, mapped by {@code map}, completes {@code future}.
     *
     * @param internal the client's own request: completed on the loop thread, not the callback executor
     */
    <T> void await(String id, CompletableFuture<T> future, Function<ServerFrame, T> map, boolean internal) {
        Pending<T> p = new Pending<>(id, future, map, internal);
        pending.put(id, p);
        p.timeout = scheduler.schedule(() -> {
            if (pending.remove(id) != null) {
                p.fail(ParleyClientException.local(ParleyClientException.TIMEOUT,
                        "no reply within " + timeoutMillis + " ms", true));
            }
        }, timeoutMillis);
    }

    /** Like {@link #await}, for an internal request without a reply timeout: it ends with its reply or its connection. */
    <T> void awaitWithoutTimeout(String id, CompletableFuture<T> future, Function<ServerFrame, T> map) {
        pending.put(id, new Pending<>(id, future, map, true));
    }

    /**
     * Tracks ping {@code id}: unless its pong (or the end of the connection) comes first,
     * {@code noPong} runs {@code timeoutMillis} from now, after the ping was forgotten.
     */
    void awaitPong(String id, long timeoutMillis, Runnable noPong) {
        Pending<ServerFrame.Pong> p = new Pending<>(id, new CompletableFuture<>(),
                Replies.expect(ServerFrame.Pong.class, r -> r), true);
        pending.put(id, p);
        p.timeout = scheduler.schedule(() -> {
            pending.remove(id);
            noPong.run();
        }, timeoutMillis);
    }

    /**
     * Ends the request that {@code reply} answers (an error frame fails it with the server's code).
     *
     * @return false when no request with that id is pending (unknown, or already timed out)
     */
    boolean complete(String id, ServerFrame reply) {
        Pending<?> p = id == null ? null : pending.remove(id);
        if (p == null) {
            return false;
        }
        Scheduler.cancel(p.timeout);
        p.complete(reply);
        return true;
    }

    /** Fails every pending request with {@code failure}: their connection is gone. */
    void failAll(ParleyClientException failure) {
        for (Pending<?> p : List.copyOf(pending.values())) {
            pending.remove(p.id);
            Scheduler.cancel(p.timeout);
            p.fail(failure);
        }
    }

    int size() {
        return pending.size();
    }

    private final class Pending<T> {
        final String id;
        final CompletableFuture<T> future;
        final Function<ServerFrame, T> map;
        final boolean internal;
        Scheduler.Task timeout;

        Pending(String id, CompletableFuture<T> future, Function<ServerFrame, T> map, boolean internal) {
            this.id = id;
            this.future = future;
            this.map = map;
            this.internal = internal;
        }

        void complete(ServerFrame f) {
            if (f instanceof ServerFrame.Error e) {
                fail(new ParleyClientException(e.code(), e.message(), 0, e.retryable(), null));
                return;
            }
            T value;
            try {
                value = map.apply(f);
            } catch (RuntimeException ex) {
                fail(ex);
                return;
            }
            if (internal) {
                future.complete(value);
            } else {
                callbacks.complete(future, value);
            }
        }

        void fail(Throwable t) {
            if (internal) {
                future.completeExceptionally(t);
            } else {
                callbacks.fail(future, t);
            }
        }
    }
}
