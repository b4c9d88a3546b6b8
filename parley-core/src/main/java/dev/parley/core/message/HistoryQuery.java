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

    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(Direction.BEFORE, Long.MAX_VALUE, false, limit);
    }
}
