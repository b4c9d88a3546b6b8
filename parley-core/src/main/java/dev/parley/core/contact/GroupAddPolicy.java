package dev.parley.core.contact;

import java.util.Locale;

/** Who may add a user to a group (the user's {@code groupAdd} setting). */
public enum GroupAddPolicy {
    /** Any user. */
    EVERYONE,
    /** Only users in this user's contacts. The default. */
    CONTACTS,
    /** No one: the user joins groups only by creating them. */
    NOBODY;

    public static final GroupAddPolicy DEFAULT = CONTACTS;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GroupAddPolicy fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
