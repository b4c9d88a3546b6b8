package dev.parley.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides which inbox events are new. The server delivers at least once: after a reconnect it may
 * resend entries the device already has. An entry is new when its cursor is above the highest
 * cursor already accepted (cursors are strictly increasing per user). Messages are also checked by
 * identity {@code (conv, seq)} against a bounded window of recently seen ones, so a message that
 * reaches the inbox twice under two cursors still reaches the application once.
 *
 * <p>Not thread-safe: used only on the SDK's connection thread.
 */
final class InboxDedup {
    /** What to do with an inbox event. */
    enum Verdict {
        /** New: hand it to the application. */
        DELIVER,
        /** New cursor, but a message already handed over: advance the cursor silently. */
        SKIP_ADVANCE,
        /** Cursor already seen: drop it. */
        DROP
    }

    private final int window;
    private final Map<String, Boolean> recentMessages;
    private long highest;

    InboxDedup(long startCursor, int window) {
        if (startCursor < 0) {
            throw new IllegalArgumentException("cursor must not be negative: " + startCursor);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.highest = startCursor;
        this.window = window;
        this.recentMessages = new LinkedHashMap<>(Math.min(window, 1024) * 2, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > InboxDedup.this.window;
            }
        };
    }

    /** An inbox event that is not a message. */
    Verdict offer(long cursor) {
        if (cursor <= highest) {
            return Verdict.DROP;
        }
        highest = cursor;
        return Verdict.DELIVER;
    }

    /** A message event. */
    Verdict offerMessage(long cursor, String conv, long seq) {
        if (cursor <= highest) {
            return Verdict.DROP;
        }
        highest = cursor;
        return recentMessages.put(conv + '\u0000' + seq, Boolean.TRUE) == null ? Verdict.DELIVER : Verdict.SKIP_ADVANCE;
    }

    /** The highest cursor accepted so far (the start cursor when none). */
    long highest() {
        return highest;
    }
}
