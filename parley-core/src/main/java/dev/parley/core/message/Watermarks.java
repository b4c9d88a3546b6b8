package dev.parley.core.message;

/**
 * One member's receipt state in a conversation. Receipts are watermarks, not per-message rows:
 * delivery and reading both follow the conversation's order, so "delivered up to 41" says the
 * same as forty-one receipts. {@code readUpTo <= deliveredUpTo} is kept by the store (reading
 * implies delivery).
 */
public record Watermarks(long deliveredUpTo, long readUpTo) {
    public static final Watermarks NONE = new Watermarks(0, 0);
}
