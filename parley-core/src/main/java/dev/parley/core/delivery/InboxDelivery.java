package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.MessageStore;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one session's inbox in cursor order, driven by the inbox, not by notifications: it
 * remembers the highest cursor it has sent ({@code sentUpTo}); a notification for exactly the next
 * cursor is sent at once, anything else (a gap, a paused connection, a sync after being offline)
 * makes it read from the store after {@code sentUpTo} until it has caught up. So the offline
 * backlog always comes before newer live traffic, a slow client never makes the server buffer
 * without bound (delivery pauses while the transport is not writable and resumes from the store),
 * and a lost notification only delays an entry until the next one.
 *
 * <p>Created by the session's {@code sync}: a connection that never syncs (an idle one) has none,
 * and notifications before the sync are not needed, since the sync reads the inbox head after them.
 *
 * <p>Its collaborators (the store, the batch size) come from the session's shared context: every
 * field here is paid by every synced connection.
 *
 * <p>Threading: confined to the session's executor; no locks.
 */
final class InboxDelivery {
    private static final Logger log = LoggerFactory.getLogger(InboxDelivery.class);

    /**
     * Where the delivery stands. {@code IDLE → SYNC_REQUESTED} on {@code sync}; back to
     * {@code IDLE} when the sync fails (the client may sync again), on to {@code LIVE} when it has
     * the device's cursor and the inbox head. {@code LIVE → CATCHING_UP} when it must read the
     * store (a gap, a resume, a backlog) and the transport is writable; {@code CATCHING_UP → LIVE}
     * when a batch leaves it caught up or finds the transport congested. The session's close ends
     * every state: each step checks {@link DeviceSession#isClosed()}.
     */
    enum State {
        /** No sync requested yet: nothing is delivered. */
        IDLE,
        /** The device's cursor and the inbox head are being read; acknowledgements wait. */
        SYNC_REQUESTED,
        /** Synced: the next cursor is sent at once when it is announced and the transport is writable. */
        LIVE,
        /** Reading batches from the store after {@code sentUpTo}, one ahead while a full batch is sent. */
        CATCHING_UP
    }

    private final DeviceSession session;
    private State state = State.IDLE;
    private long sentUpTo;
    private long knownHead;
    private long syncFrom;
    private long syncHead;
    /** The id of the sync still owed its {@code synced} reply; null once answered. */
    private String pendingSyncId;

    InboxDelivery(DeviceSession session) {
        this.session = session;
    }

    State state() {
        return state;
    }

    /** The highest cursor sent on this connection. */
    long sentUpTo() {
        return sentUpTo;
    }

    /** Starts delivery after the device's cursor (or the client's {@code after}); once per connection. */
    void sync(ClientFrame.Sync f) {
        if (state != State.IDLE) {
            session.sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD,
                    "sync was already requested on this connection"));
            return;
        }
        state = State.SYNC_REQUESTED;
        String user = session.device().userId();
        MessageStore store = session.context().store();
        store.deviceCursor(user, session.device().deviceId())
                .thenCombine(store.inboxHead(user), (cursor, head) -> new long[] {cursor, head})
                .whenCompleteAsync((r, e) -> {
                    if (session.isClosed()) {
                        return;
                    }
                    if (e != null) {
                        state = State.IDLE;
                        session.sendError(f.id(), ParleyException.from(e));
                        session.acks().syncFailed();
                        return;
                    }
                    if (f.after() != null && f.after() > r[1]) {
                        state = State.IDLE;
                        session.sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD, "after (" + f.after()
                                + ") is beyond this user's inbox head (" + r[1] + "); sync from at most the head"));
                        session.acks().syncFailed();
                        return;
                    }
                    sentUpTo = f.after() != null ? f.after() : r[0];
                    syncFrom = sentUpTo;
                    syncHead = r[1];
                    knownHead = Math.max(knownHead, r[1]);
                    pendingSyncId = f.id();
                    state = State.LIVE;
                    session.acks().synced(r[0]);
                    catchUp();
                }, session.transport.executor());
    }

    /** A new entry exists in this user's inbox; on the session's executor. */
    void onEntry(InboxEntry entry) {
        knownHead = Math.max(knownHead, entry.cursor());
        if (state == State.LIVE && entry.cursor() == sentUpTo + 1 && session.transport.isWritable()) {
            deliver(entry);
        } else if ((state == State.LIVE || state == State.CATCHING_UP) && entry.cursor() > sentUpTo) {
            catchUp();
        }
    }

    /**
     * Heartbeats double as a safety net: if a notification was lost on the way (a router outage
     * in scale-out mode), the store's inbox head tells the session it is behind, and it catches
     * up within one heartbeat interval instead of waiting for the next message.
     */
    void checkHead() {
        if (state != State.LIVE) {
            return;
        }
        session.context().store().inboxHead(session.device().userId()).whenCompleteAsync((head, e) -> {
            if (e == null && !session.isClosed() && head > sentUpTo) {
                knownHead = Math.max(knownHead, head);
                catchUp();
            }
        }, session.transport.executor());
    }

    /** The connection became writable again: resume from the store. */
    void onWritable() {
        // A sync paused at the end of its backlog still owes its synced reply.
        if ((state == State.LIVE || state == State.CATCHING_UP) && (knownHead > sentUpTo || pendingSyncId != null)) {
            catchUp();
        }
    }

    private void catchUp() {
        if (state != State.LIVE || session.isClosed()) {
            return;
        }
        if (!session.transport.isWritable()) {
            return; // onWritable resumes
        }
        state = State.CATCHING_UP;
        readBatch(sentUpTo);
    }

    /**
     * Reads the batch after {@code after}. While a full batch is being sent, the next one is
     * already read (one read ahead), so the store and the event loop work at the same time.
     */
    private void readBatch(long after) {
        session.context().store().readInbox(session.device().userId(), after, session.context().syncBatchSize())
                .whenCompleteAsync(this::onBatch, session.transport.executor());
    }

    private void onBatch(List<InboxEntry> entries, Throwable e) {
        if (session.isClosed()) {
            state = State.LIVE;
            return;
        }
        if (e != null) {
            state = State.LIVE;
            log.warn("inbox read failed for device {}; closing so the client resyncs", session.device().deviceId(), e);
            session.transport.close(1011, "inbox unavailable, reconnect");
            return;
        }
        if (!entries.isEmpty()) {
            knownHead = Math.max(knownHead, entries.get(entries.size() - 1).cursor());
        }
        if (!session.transport.isWritable()) {
            // A read ahead found the connection congested: drop it, onWritable reads it again.
            state = State.LIVE;
            return;
        }
        boolean readingAhead = entries.size() >= session.context().syncBatchSize();
        if (readingAhead) {
            readBatch(entries.get(entries.size() - 1).cursor());
        }
        for (InboxEntry entry : entries) {
            if (entry.cursor() > sentUpTo) {
                deliver(entry);
            }
        }
        if (readingAhead) {
            return; // the read ahead continues
        }
        state = State.LIVE;
        knownHead = Math.max(knownHead, sentUpTo);
        if (!entries.isEmpty() && knownHead > sentUpTo) {
            catchUp();
        } else if (pendingSyncId != null && sentUpTo >= syncHead) {
            session.send(new ServerFrame.Synced(pendingSyncId, syncFrom, Math.max(syncHead, sentUpTo)));
            pendingSyncId = null;
        } else if (pendingSyncId != null) {
            // The head moved below what this device claims to have (pruned inbox): nothing more to send.
            session.send(new ServerFrame.Synced(pendingSyncId, syncFrom, sentUpTo));
            pendingSyncId = null;
        }
    }

    /** Sends one inbox entry and tells the acknowledgements what was delivered. */
    private void deliver(InboxEntry entry) {
        session.send(Views.inboxFrame(entry));
        session.acks().sent(entry, sentUpTo);
        sentUpTo = entry.cursor();
    }
}
