package dev.parley.core.message;

/**
 * A page request over one conversation's log. Exactly one anchor mode applies:
 * {@link Direction#BEFORE} returns the {@code limit} messages just before the anchor (newest
 * page when the anchor is {@code Long.MAX_VALUE}), {@link Direction#AFTER} those just after it.
 * The anchor is a sequence number or, when {@code byTimestamp}, epoch milliseconds. Results are
 * always oldest first.
 */
public record HistoryQuery(Direction direction, long anchor, boolean byTimestamp, int limit) {
    public enum Direction { BEFORE, AFTER }

    /** Page size when a request names none. */
    public static final int DEFAULT_LIMIT = 50;

    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(Direction.BEFORE, Long.MAX_VALUE, false, limit);
    }

    /**
     * The query of a history request, which names at most one anchor (checked by the protocol's
     * validation); none means the newest page. A null {@code limit} means {@link #DEFAULT_LIMIT}.
     */
    public static HistoryQuery page(Long beforeSeq, Long afterSeq, Long beforeTs, Long afterTs, Integer limit) {
        int n = limit == null ? DEFAULT_LIMIT : limit;
        if (afterSeq != null) {
            return new HistoryQuery(Direction.AFTER, afterSeq, false, n);
        }
        if (afterTs != null) {
            return new HistoryQuery(Direction.AFTER, afterTs, true, n);
        }
        if (beforeTs != null) {
            return new HistoryQuery(Direction.BEFORE, beforeTs, true, n);
        }
        return new HistoryQuery(Direction.BEFORE, beforeSeq == null ? Long.MAX_VALUE : beforeSeq, false, n);
    }

    /** The same query for {@code n} messages. */
    public HistoryQuery withLimit(int n) {
        return new HistoryQuery(direction, anchor, byTimestamp, n);
    }
}
