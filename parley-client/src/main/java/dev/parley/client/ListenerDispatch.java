package dev.parley.client;

import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to the application's {@link ParleyListener} on one listener thread of its own, one
 * at a time in arrival order, and saves the cursor of each inbox event after the listener
 * returned from it. Saves are batched like acknowledgements: when the listener has caught up, or
 * every {@value AckTracker#BATCH} events while it is behind; each saved cursor is then passed on
 * to be acknowledged. A listener that throws is logged and its event counts as handled.
 *
 * <p>Thread-safe: events are posted from the loop thread; the cursor fields are the listener
 * thread's.
 */
final class ListenerDispatch {
    private static final Logger log = LoggerFactory.getLogger(ListenerDispatch.class);

    private final String name;
    private final String threadPrefix;
    private final ParleyListener listener;
    private final CursorStore cursorStore;
    private final LongConsumer saved;
    private final Runnable caughtUp;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor thread;
    private volatile long savedCursorView;

    // listener-thread state
    private long handledCursor;
    private long savedCursor;
    private int unsaved;

    /**
     * @param saved receives each saved cursor (on the listener thread), to acknowledge it
     * @param caughtUp runs after every event (on the listener thread), to resume reading once the backlog is small
     */
    ListenerDispatch(String name, ParleyListener listener, CursorStore cursorStore, LongConsumer saved,
                     Runnable caughtUp, ThreadFactory threads) {
        this.name = name;
        this.threadPrefix = name + "-listener-";
        this.listener = listener;
        this.cursorStore = cursorStore;
        this.saved = saved;
        this.caughtUp = caughtUp;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, queue, threads);
    }

    /** The cursor loaded at start-up; call before the first event. */
    void start(long cursor) {
        handledCursor = cursor;
        savedCursor = cursor;
        savedCursorView = cursor;
    }

    /** The cursor of the last inbox event handled and saved (the loaded one before that). */
    long savedCursor() {
        return savedCursorView;
    }

    /** Events waiting for the listener. */
    int backlog() {
        return queue.size();
    }

    boolean isListenerThread() {
        return Thread.currentThread().getName().startsWith(threadPrefix);
    }

    void connected() {
        post(listener::onConnected);
    }

    void disconnected(String reason) {
        post(() -> listener.onDisconnected(reason));
    }

    /** The backlog is handed over: {@code onSynced}, then {@code then} on the listener thread. */
    void synced(long head, Runnable then) {
        post(() -> {
            listener.onSynced(head);
            then.run();
        });
    }

    void message(ServerFrame.MessageEvent m, InboxDedup.Verdict verdict) {
        inbox(m.cursor(), verdict, () -> listener.onMessage(m.message(), m.cursor()));
    }

    void receipt(ServerFrame.ReceiptEvent r, InboxDedup.Verdict verdict) {
        inbox(r.cursor(), verdict, () -> listener.onReceipt(r));
    }

    void membership(ServerFrame.MembershipEvent m, InboxDedup.Verdict verdict) {
        inbox(m.cursor(), verdict, () -> listener.onMembership(m));
    }

    void presence(ServerFrame.PresenceEvent p) {
        post(() -> listener.onPresence(p));
    }

    void typing(ServerFrame.TypingEvent t) {
        post(() -> listener.onTyping(t));
    }

    /**
     * Waits up to {@code timeout} for the events already queued, then saves the cursor of what
     * was handled; not from the listener thread itself.
     */
    void drain(Duration timeout) {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                afterEvent();
                drained.complete(null);
            });
            drained.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("{}: listener did not drain before close: {}", name, e.toString());
        }
    }

    /** Stops taking events; waits up to {@code timeout} for the listener unless called from it. */
    void shutdown(Duration timeout) {
        thread.shutdown();
        if (isListenerThread()) {
            return;
        }
        try {
            if (!thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{}: listener still busy after close", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void inbox(long cursor, InboxDedup.Verdict verdict, Runnable call) {
        switch (verdict) {
            case DROP -> log.trace("{}: dropping duplicate inbox entry {}", name, cursor);
            case SKIP_ADVANCE -> postInbox(cursor, null);
            case DELIVER -> postInbox(cursor, call);
            default -> throw new IllegalStateException(verdict.toString());
        }
    }

    private void post(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{}: listener threw; the event counts as handled", name, e);
                } finally {
                    afterEvent();
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{}: listener stopped, event dropped", name);
        }
    }

    private void postInbox(long cursor, Runnable call) {
        post(() -> {
            try {
                if (call != null) {
                    call.run();
                }
            } finally {
                handledCursor = cursor;
                unsaved++;
            }
        });
    }

    private void afterEvent() {
        if (handledCursor > savedCursor && (queue.isEmpty() || unsaved >= AckTracker.BATCH)) {
            long c = handledCursor;
            try {
                cursorStore.save(c);
            } catch (RuntimeException e) {
                log.error("{}: cannot save cursor {}: {}", name, c, e.toString());
            }
            savedCursor = c;
            savedCursorView = c;
            unsaved = 0;
            saved.accept(c);
        }
        caughtUp.run();
    }
}
