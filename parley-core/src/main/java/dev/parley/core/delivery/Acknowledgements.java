package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One session's acknowledgements: an {@code ack} of cursor n raises the device's cursor and the
 * delivered watermarks of the messages of others up to n, in one store call per acknowledgement.
 * The watermarks come from what this connection remembers having sent (the {@link DeliveredLedger},
 * runs of consecutive messages per conversation); cursors it did not send or did not record are
 * read back from the store.
 *
 * <p>An {@code ack} that arrives while the sync is reading the device's cursor waits for it: a
 * client may pipeline "sync after n" and "ack n", and only the sync knows whether n is valid.
 *
 * <p>Threading: confined to the session's executor.
 */
final class Acknowledgements {
    /** Most inbox entries read back per store call for a range the ledger cannot answer for. */
    private static final int READ_BACK_PAGE = 1_000;

    private final DeviceSession session;
    private long ackedUpTo;
    /** Messages of others sent and not yet acknowledged; created with the first entry sent. */
    private DeliveredLedger ledger;
    /** Acks that arrived while the sync's first reads were in flight; null while none (most sessions). */
    private List<ClientFrame.Ack> duringSync;

    Acknowledgements(DeviceSession session) {
        this.session = session;
    }

    /** The sync read the device's acknowledged cursor: start from it and answer the acks that waited. */
    void synced(long deviceCursor) {
        ackedUpTo = deviceCursor;
        replayDuringSync();
    }

    /** The sync failed: answer the acks that waited, as if no sync had been asked for. */
    void syncFailed() {
        replayDuringSync();
    }

    /** Records an entry just sent; {@code sentBefore} is the highest cursor sent before it. */
    void sent(InboxEntry entry, long sentBefore) {
        if (ledger == null) {
            ledger = new DeliveredLedger(sentBefore);
        }
        if (entry.event() instanceof InboxEvent.MessageAdded m && !m.message().senderId().equals(userId())) {
            ledger.sent(entry.cursor(), m.message().conversationId(), m.message().seq());
        } else {
            ledger.sent(entry.cursor(), null, 0);
        }
    }

    void ack(ClientFrame.Ack f) {
        if (session.inboxState() == InboxDelivery.State.SYNC_REQUESTED) {
            if (duringSync == null) {
                duringSync = new ArrayList<>();
            }
            duringSync.add(f);
            return;
        }
        long upTo = f.upTo();
        long sentUpTo = session.sentUpTo();
        if (upTo > sentUpTo) {
            session.sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD,
                    "cannot acknowledge cursor " + upTo + ": only " + sentUpTo + " was delivered on this connection"));
            return;
        }
        if (upTo <= ackedUpTo) {
            session.send(new ServerFrame.Ok(f.id()));
            return;
        }
        long from = ackedUpTo;
        ackedUpTo = upTo;
        Map<String, Long> maxSeq = new HashMap<>();
        List<DeliveredLedger.Range> fromStore = ledger == null ? List.of(new DeliveredLedger.Range(from, upTo))
                : ledger.take(from, upTo, maxSeq);
        CompletionStage<Void> read = CompletableFuture.completedFuture(null);
        for (DeliveredLedger.Range r : fromStore) {
            read = read.thenCompose(v -> readDelivered(r.after(), r.upTo(), maxSeq));
        }
        CompletionStage<Void> done = read.thenCompose(
                v -> session.context().dispatcher().messaging().acknowledged(userId(), session.device().deviceId(), maxSeq, upTo));
        session.replyOk(f.id(), done);
    }

    private void replayDuringSync() {
        List<ClientFrame.Ack> pending = duringSync;
        duringSync = null;
        if (pending != null) {
            pending.forEach(this::ack);
        }
    }

    /**
     * Adds the messages of others in {@code (from, upTo]} to {@code maxSeq}, reading the inbox
     * page by page: for acknowledged entries this connection did not send or did not record.
     */
    private CompletionStage<Void> readDelivered(long from, long upTo, Map<String, Long> maxSeq) {
        int page = (int) Math.min(upTo - from, READ_BACK_PAGE);
        return session.context().store().readInbox(userId(), from, page).thenCompose(entries -> {
            long last = from;
            for (InboxEntry e : entries) {
                if (e.cursor() > upTo) {
                    break;
                }
                last = e.cursor();
                if (e.event() instanceof InboxEvent.MessageAdded m && !m.message().senderId().equals(userId())) {
                    maxSeq.merge(m.message().conversationId(), m.message().seq(), Math::max);
                }
            }
            if (entries.size() == page && last < upTo) {
                return readDelivered(last, upTo, maxSeq);
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    private String userId() {
        return session.device().userId();
    }
}
