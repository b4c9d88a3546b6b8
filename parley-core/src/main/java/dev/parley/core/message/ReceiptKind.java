package dev.parley.core.message;

/** The two receipt watermarks a member has in a conversation. */
public enum ReceiptKind {
    /** A device of the member acknowledged every message up to the watermark (✓✓). */
    DELIVERED,
    /** The member marked every message up to the watermark read (blue ✓✓). */
    READ;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
