package dev.parley.client;

import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * One WebSocket connection attempt. JDK callbacks arrive on the HTTP client's threads (one at a
 * time per socket) and are forwarded to the loop thread; the write queue is touched only there.
 * Reading stops while the listener is more than {@value #BACKLOG_HIGH} events behind and resumes
 * below {@value #BACKLOG_LOW} (flow control).
 */
final class Connection implements WebSocket.Listener {
    /** Events handed to the listener thread before the socket stops reading. */
    static final int BACKLOG_HIGH = 10_000;
    static final int BACKLOG_LOW = 1_000;

    /** What the connection reports, each on the loop thread. */
    interface Events {
        void opened(Connection c);

        void received(Connection c, String text);

        void lost(Connection c, String reason, Throwable cause);

        /** Whether {@code c} is still the client's current connection. */
        boolean isCurrent(Connection c);
    }

    private final Events events;
    private final Executor loop;
    private final IntSupplier backlog;
    private final ArrayDeque<String> writes = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean paused = new AtomicBoolean();
    /** Completes when the socket is closed or aborted by this side. */
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    private volatile WebSocket ws;
    /** When the last frame arrived, by the client's ticker (loop thread). */
    long lastFrameNanos;
    private boolean sending;
    /** No new frames are accepted; what is queued still goes out. */
    private boolean dead;
    private boolean closeRequested;
    private boolean aborted;

    /**
     * @param loop runs a task on the loop thread (dropping it once the client is stopped)
     * @param backlog events waiting for the listener
     */
    Connection(Events events, Executor loop, IntSupplier backlog, long nowNanos) {
        this.events = events;
        this.loop = loop;
        this.backlog = backlog;
        this.lastFrameNanos = nowNanos;
    }

    // JDK callback threads

    @Override
    public void onOpen(WebSocket webSocket) {
        ws = webSocket;
        webSocket.request(1);
        loop.execute(() -> events.opened(this));
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            loop.execute(() -> events.received(this, text));
        }
        if (backlog.getAsInt() < BACKLOG_HIGH) {
            webSocket.request(1);
        } else {
            paused.set(true);
            resumeIfDrained();
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        finished.complete(null);
        String why = "closed by server (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")";
        loop.execute(() -> events.lost(this, why, null));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        finished.complete(null);
        loop.execute(() -> events.lost(this, "connection error: " + describe(error), error));
    }

    /** Any thread: reads again once the listener has caught up. */
    void resumeIfDrained() {
        WebSocket w = ws;
        if (w != null && backlog.getAsInt() < BACKLOG_LOW && paused.compareAndSet(true, false)) {
            w.request(1);
        }
    }

    /** Whether reading stopped because the listener is behind (so silence is this side's doing). */
    boolean isPaused() {
        return paused.get();
    }

    // loop thread

    void send(String text) {
        if (dead) {
            return;
        }
        writes.add(text);
        pump();
    }

    /** Writes the next queued frame unless one is in flight; once empty, the close frame if asked. */
    void pump() {
        WebSocket w = ws;
        if (sending || aborted || w == null) {
            return;
        }
        if (writes.isEmpty()) {
            if (closeRequested) {
                closeRequested = false;
                w.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                        .orTimeout(1, TimeUnit.SECONDS)
                        .whenComplete((ok, err) -> {
                            w.abort();
                            finished.complete(null);
                        });
            }
            return;
        }
        sending = true;
        String text = writes.poll();
        w.sendText(text, true).whenComplete((ok, err) -> loop.execute(() -> {
            sending = false;
            if (err != null && !events.isCurrent(this)) {
                abort();
            } else if (err != null) {
                events.lost(this, "send failed: " + describe(err), err);
            } else {
                pump();
            }
        }));
    }

    /** Accepts no new frames; what is queued still goes out. */
    void markDead() {
        dead = true;
    }

    /** Sends what is queued, then a close frame; aborts if the peer does not answer within a second. */
    void close() {
        dead = true;
        closeRequested = true;
        if (ws == null) {
            aborted = true;
            finished.complete(null);
        }
        pump();
    }

    void abort() {
        dead = true;
        aborted = true;
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        finished.complete(null);
    }

    /** Whether the server refused the handshake for the token (401 or 403): retrying cannot help. */
    static boolean isFatalAuthFailure(Throwable t) {
        for (Throwable cur = t; cur != null; cur = cur.getCause()) {
            if (cur instanceof WebSocketHandshakeException h && h.getResponse() != null) {
                int status = h.getResponse().statusCode();
                return status == 401 || status == 403;
            }
        }
        return false;
    }

    static String describe(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
            cur = cur.getCause();
        }
        if (cur instanceof WebSocketHandshakeException h && h.getResponse() != null) {
            return "handshake rejected with HTTP " + h.getResponse().statusCode();
        }
        return ParleyAccounts.describe(cur);
    }
}
