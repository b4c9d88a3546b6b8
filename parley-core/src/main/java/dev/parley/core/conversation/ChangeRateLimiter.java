package dev.parley.core.conversation;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounds membership churn: at most {@code perMinute} changes per key (a conversation, a user) in
 * each fixed one-minute window. A request names several keys and is admitted only if every key
 * has room, and then counts against all of them. Time comes from the injected ticker (monotonic
 * nanoseconds), so a step of the wall clock neither opens nor closes a window. Kept in
 * memory per server; windows that ended are dropped when the map grows, so memory follows the
 * number of keys active in the last minute. Thread-safe; membership changes are rare enough for
 * one lock.
 */
final class ChangeRateLimiter {
    private static final long WINDOW_NANOS = 60_000_000_000L;
    private static final int PURGE_ABOVE = 4_096;

    private static final class Window {
        long start;
        int count;

        Window(long start) {
            this.start = start;
        }
    }

    private final LongSupplier ticker;
    private final int perMinute;
    private final Map<String, Window> windows = new HashMap<>();

    ChangeRateLimiter(LongSupplier ticker, int perMinute) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1, was " + perMinute);
        }
        this.ticker = ticker;
        this.perMinute = perMinute;
    }

    /** Admits one change counted against every key, or none when any key is at its limit. */
    synchronized boolean tryAcquire(List<String> keys) {
        long now = ticker.getAsLong();
        if (windows.size() > PURGE_ABOVE) {
            purge(now);
        }
        for (String k : keys) {
            Window w = windows.get(k);
            if (w != null && now - w.start < WINDOW_NANOS && w.count >= perMinute) {
                return false;
            }
        }
        for (String k : keys) {
            Window w = windows.computeIfAbsent(k, x -> new Window(now));
            if (now - w.start >= WINDOW_NANOS) {
                w.start = now;
                w.count = 0;
            }
            w.count++;
        }
        return true;
    }

    int perMinute() {
        return perMinute;
    }

    private void purge(long now) {
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            if (now - it.next().start >= WINDOW_NANOS) {
                it.remove();
            }
        }
    }
}
