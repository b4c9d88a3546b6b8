package dev.parley.client;

import java.time.Instant;
import java.util.Objects;

/**
 * Which page of a conversation's history to fetch: at most one bound (a sequence number or a
 * time in epoch milliseconds, exclusive) and an optional page size (1 to 1000; null lets the
 * server choose). Without a bound the newest messages are returned. Pages are oldest first.
 * Immutable; build one with the static factories.
 *
 * @throws IllegalArgumentException from the constructor when more than one bound is given, a
 *         bound is negative or the limit is out of range
 */
public record HistoryRequest(Long beforeSeq, Long afterSeq, Long beforeTs, Long afterTs, Integer limit) {

    /** Checks the arguments. */
    public HistoryRequest {
        int given = (beforeSeq != null ? 1 : 0) + (afterSeq != null ? 1 : 0)
                + (beforeTs != null ? 1 : 0) + (afterTs != null ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("give at most one of beforeSeq, afterSeq, beforeTs, afterTs");
        }
        requireNonNegative("beforeSeq", beforeSeq);
        requireNonNegative("afterSeq", afterSeq);
        requireNonNegative("beforeTs", beforeTs);
        requireNonNegative("afterTs", afterTs);
        if (limit != null && (limit < 1 || limit > 1000)) {
            throw new IllegalArgumentException("limit must be between 1 and 1000: " + limit);
        }
    }

    /** The newest {@code limit} messages. */
    public static HistoryRequest latest(int limit) {
        return new HistoryRequest(null, null, null, null, limit);
    }

    /** Up to {@code limit} messages with a sequence number below {@code seq}, the newest of them. */
    public static HistoryRequest beforeSeq(long seq, int limit) {
        return new HistoryRequest(seq, null, null, null, limit);
    }

    /** Up to {@code limit} messages with a sequence number above {@code seq}, the oldest of them (gap filling). */
    public static HistoryRequest afterSeq(long seq, int limit) {
        return new HistoryRequest(null, seq, null, null, limit);
    }

    /** Up to {@code limit} messages sent before {@code time}. */
    public static HistoryRequest before(Instant time, int limit) {
        return new HistoryRequest(null, null, Objects.requireNonNull(time, "time").toEpochMilli(), null, limit);
    }

    /** Up to {@code limit} messages sent after {@code time}. */
    public static HistoryRequest after(Instant time, int limit) {
        return new HistoryRequest(null, null, null, Objects.requireNonNull(time, "time").toEpochMilli(), limit);
    }

    /** The REST query string (without '?'), empty when nothing is set. */
    String toQuery() {
        StringBuilder q = new StringBuilder();
        append(q, "beforeSeq", beforeSeq);
        append(q, "afterSeq", afterSeq);
        append(q, "beforeTs", beforeTs);
        append(q, "afterTs", afterTs);
        append(q, "limit", limit);
        return q.toString();
    }

    private static void append(StringBuilder q, String name, Number value) {
        if (value != null) {
            if (q.length() > 0) {
                q.append('&');
            }
            q.append(name).append('=').append(value);
        }
    }

    private static void requireNonNegative(String name, Long value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
