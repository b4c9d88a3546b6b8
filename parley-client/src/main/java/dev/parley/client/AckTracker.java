package dev.parley.client;

import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Acknowledges saved cursors to the server in batches: at once when {@value #BATCH} events are
 * unacknowledged, otherwise {@value #DELAY_MS} ms after the first unacknowledged one. Never above
 * what the server delivered on the current connection (it refuses those, also while it still
 * reads the sync), and again after a reconnect, once the server has read the new sync.
 *
 * <p>Not thread-safe: loop thread only.
 */
final class AckTracker {
    /** Events per acknowledgement (and per cursor save) at most. */
    static final int BATCH = 100;
    /** How long an acknowledgement may lag behind a saved cursor. */
    static final long DELAY_MS = 50;

    private final Scheduler scheduler;
    private final BooleanSupplier connectionUp;
    private final LongConsumer sendAck;
    /** The highest saved cursor: what should be acknowledged. */
    private long target;
    private long ackedOnConnection;
    /**
     * The highest cursor the server has delivered on this connection (its sync start once synced):
     * the server refuses acknowledgements above it, also while it is still reading the sync.
     */
    private long ackableOnConnection;
    private long syncAfter;
    private Scheduler.Task task;

    /**
     * @param connectionUp whether an authenticated connection can carry an acknowledgement now
     * @param sendAck sends {@code ack} up to the given cursor on the current connection
     */
    AckTracker(Scheduler scheduler, BooleanSupplier connectionUp, LongConsumer sendAck) {
        this.scheduler = scheduler;
        this.connectionUp = connectionUp;
        this.sendAck = sendAck;
    }

    /** The cursor loaded at start-up: already saved, so acknowledged again on the first connection. */
    void start(long cursor) {
        target = cursor;
    }

    /** A connection was authenticated: it has acknowledged nothing and delivered nothing yet. */
    void connected() {
        ackedOnConnection = 0;
        ackableOnConnection = 0;
    }

    /** The client asked to sync after {@code cursor} (0: the server chooses). */
    void syncing(long cursor) {
        syncAfter = cursor;
    }

    /** The server delivered the inbox entry at {@code cursor} on this connection. */
    void delivered(long cursor) {
        ackableOnConnection = Math.max(ackableOnConnection, cursor);
    }

    /** The server finished the sync that started after {@code from}: what was saved before may be acknowledged now. */
    void synced(long from) {
        ackableOnConnection = Math.max(ackableOnConnection, Math.max(syncAfter, from));
        if (target > ackedOnConnection) {
            flush();
        }
    }

    /** The listener handled everything up to {@code cursor}, and it was saved. */
    void processed(long cursor) {
        if (cursor <= target) {
            return;
        }
        target = cursor;
        if (!connectionUp.getAsBoolean()) {
            return;
        }
        if (target - ackedOnConnection >= BATCH) {
            flush();
        } else if (task == null) {
            task = scheduler.schedule(this::flush, DELAY_MS);
        }
    }

    /** Acknowledges what it can now, if connected; used when closing, so nothing handled is left unacknowledged. */
    void flushIfBehind() {
        if (connectionUp.getAsBoolean() && target > ackedOnConnection) {
            flush();
        }
    }

    /** The connection is gone: a pending batch waits for the next one. */
    void connectionLost() {
        Scheduler.cancel(task);
        task = null;
    }

    private void flush() {
        Scheduler.cancel(task);
        task = null;
        long upTo = Math.min(target, ackableOnConnection);
        if (!connectionUp.getAsBoolean() || upTo <= ackedOnConnection) {
            return;
        }
        ackedOnConnection = upTo;
        sendAck.accept(upTo);
    }
}
