package dev.parley.core.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one connection delivered and the device has not acknowledged yet: which messages of other
 * users, by inbox cursor. An acknowledgement then raises delivered watermarks from memory instead
 * of reading the acknowledged range back from the store.
 *
 * <p>Entries are kept as runs: consecutive cursors carrying consecutive sequence numbers of one
 * conversation (an offline backlog from one sender is a single run), so the highest sequence
 * number delivered up to any cursor of a run is arithmetic. At most {@link #MAX_RUNS} runs are
 * kept: a device that receives without acknowledging makes the ledger stop recording, and the
 * cursors it missed are reported by {@link #take} as ranges to read from the store, as are the
 * cursors before the ledger started (a sync from a client-given {@code after}).
 *
 * <p>Not thread-safe: used on the session's executor only.
 */
final class DeliveredLedger {
    /** Most runs kept; about 48 bytes each. */
    static final int MAX_RUNS = 1024;

    /** A cursor range {@code (after, upTo]} the ledger cannot answer for. */
    record Range(long after, long upTo) {
    }

    private static final class Run {
        final String conversationId;
        long firstCursor;
        long firstSeq;
        long lastCursor;
        long lastSeq;

        Run(String conversationId, long cursor, long seq) {
            this.conversationId = conversationId;
            this.firstCursor = cursor;
            this.firstSeq = seq;
            this.lastCursor = cursor;
            this.lastSeq = seq;
        }
    }

    /** Allocated with the first run: connections that never receive from others keep none. */
    private ArrayDeque<Run> runs;
    /** Cursors at or below are not covered: acknowledged already, or sent before the ledger started. */
    private long base;
    /** Highest cursor covered; above it (while {@link #suspended}) the store must be read. */
    private long end;
    private boolean suspended;

    /** Starts covering the cursors after {@code sentUpTo}. */
    DeliveredLedger(long sentUpTo) {
        this.base = sentUpTo;
        this.end = sentUpTo;
    }

    /**
     * Records a sent entry; cursors must increase from one call to the next.
     *
     * @param conversationId the conversation of a message from another user, or null for any other entry
     * @param seq            that message's sequence number
     */
    void sent(long cursor, String conversationId, long seq) {
        if (suspended) {
            if (runs != null && !runs.isEmpty()) {
                return;
            }
            // Everything recorded was acknowledged: resume, leaving what was skipped to the store.
            suspended = false;
            base = Math.max(base, cursor - 1);
        }
        end = cursor;
        if (conversationId == null) {
            return;
        }
        if (runs == null) {
            runs = new ArrayDeque<>(4);
        }
        Run last = runs.peekLast();
        if (last != null && last.lastCursor + 1 == cursor && last.lastSeq + 1 == seq
                && last.conversationId.equals(conversationId)) {
            last.lastCursor = cursor;
            last.lastSeq = seq;
        } else if (runs.size() < MAX_RUNS) {
            runs.addLast(new Run(conversationId, cursor, seq));
        } else {
            suspended = true;
            end = cursor - 1;
        }
    }

    /**
     * An acknowledgement of {@code (after, upTo]}: merges the highest sequence number per
     * conversation of the covered messages of others into {@code maxSeq}, forgets them, and
     * returns the parts of the range to read from the store instead (usually none).
     */
    List<Range> take(long after, long upTo, Map<String, Long> maxSeq) {
        List<Range> fromStore = new ArrayList<>(0);
        long readUpTo = after;
        if (after < base) {
            readUpTo = Math.min(upTo, base);
            fromStore.add(new Range(after, readUpTo));
        }
        while (runs != null && !runs.isEmpty() && runs.peekFirst().firstCursor <= upTo) {
            Run r = runs.peekFirst();
            long lastTaken = Math.min(r.lastCursor, upTo);
            maxSeq.merge(r.conversationId, r.firstSeq + (lastTaken - r.firstCursor), Math::max);
            if (r.lastCursor <= upTo) {
                runs.pollFirst();
            } else {
                r.firstSeq += upTo + 1 - r.firstCursor;
                r.firstCursor = upTo + 1;
            }
        }
        long uncoveredAfter = Math.max(readUpTo, end);
        if (upTo > uncoveredAfter) {
            fromStore.add(new Range(uncoveredAfter, upTo));
        }
        base = Math.max(base, upTo);
        return fromStore;
    }
}
