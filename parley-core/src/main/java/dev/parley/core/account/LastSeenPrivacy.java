package dev.parley.core.account;

/** Who may see a user's last-seen time. Online status itself follows the same rule. */
public enum LastSeenPrivacy {
    /** Anyone who may look up the user. */
    EVERYONE,
    /** Only users in the user's contacts (see {@code dev.parley.core.contact}). */
    CONTACTS,
    /** No one; others see neither online status nor last seen. */
    NOBODY;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static LastSeenPrivacy fromWire(String s) {
        return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
}
