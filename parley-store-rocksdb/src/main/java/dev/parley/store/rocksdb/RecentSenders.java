package dev.parley.store.rocksdb;

import java.util.Arrays;
import java.util.Set;

/**
 * Who sent a conversation's latest messages, as runs of consecutive messages by one sender, so
 * that a receipt finds the senders of the range it newly covers without reading the log. Knows
 * only the messages appended since the conversation's head was loaded, and of those the last
 * {@link #MAX_RUNS} runs; for anything older the caller reads the log. Immutable.
 */
final class RecentSenders {
    static final int MAX_RUNS = 16;
    private static final long[] NO_STARTS = new long[0];
    private static final String[] NO_SENDERS = new String[0];

    /** The first sequence number whose sender is known; above the last message when none is. */
    private final long knownFrom;
    /** Run i is the messages from runStarts[i] up to the next run's start (the last run: up to the head). */
    private final long[] runStarts;
    private final String[] runSenders;

    private RecentSenders(long knownFrom, long[] runStarts, String[] runSenders) {
        this.knownFrom = knownFrom;
        this.runStarts = runStarts;
        this.runSenders = runSenders;
    }

    /** Nothing known yet about a conversation whose last message is {@code lastSeq}. */
    static RecentSenders unknownUpTo(long lastSeq) {
        return new RecentSenders(lastSeq + 1, NO_STARTS, NO_SENDERS);
    }

    /** After the conversation's next message, {@code seq}, sent by {@code sender}. */
    RecentSenders append(long seq, String sender) {
        int n = runStarts.length;
        if (n == 0) {
            return new RecentSenders(seq, new long[] {seq}, new String[] {sender});
        }
        if (runSenders[n - 1].equals(sender)) {
            return this;
        }
        int drop = n == MAX_RUNS ? 1 : 0;
        long[] starts = Arrays.copyOfRange(runStarts, drop, n + 1);
        String[] senders = Arrays.copyOfRange(runSenders, drop, n + 1);
        starts[starts.length - 1] = seq;
        senders[senders.length - 1] = sender;
        return new RecentSenders(drop == 1 ? starts[0] : knownFrom, starts, senders);
    }

    /**
     * Adds the senders of the messages in {@code (after, upTo]} to {@code out} and returns true,
     * or returns false, adding nothing, when some of that range is not known here.
     */
    boolean collect(long after, long upTo, Set<String> out) {
        if (after + 1 < knownFrom) {
            return false;
        }
        for (int i = 0; i < runStarts.length; i++) {
            long first = runStarts[i];
            long last = i + 1 < runStarts.length ? runStarts[i + 1] - 1 : Long.MAX_VALUE;
            if (first <= upTo && last > after) {
                out.add(runSenders[i]);
            }
        }
        return true;
    }
}
