package dev.parley.store.rocksdb;

import java.nio.charset.StandardCharsets;

/** The column families of the store; see {@code package-info.java} for what each one holds. */
enum Cf {
    USERS("users"),
    DEVICES("devices"),
    DEVICE_BY_TOKEN("device_by_token"),
    CONVERSATIONS("conversations"),
    USER_CONVERSATIONS("user_conversations"),
    MESSAGES("messages"),
    IDEMPOTENCY("idempotency"),
    INBOX("inbox"),
    CURSORS("cursors"),
    WATERMARKS("watermarks"),
    CONTACTS("contacts"),
    USER_SETTINGS("user_settings"),
    META("meta");

    private final String cfName;

    Cf(String cfName) {
        this.cfName = cfName;
    }

    byte[] nameBytes() {
        return cfName.getBytes(StandardCharsets.UTF_8);
    }

    String cfName() {
        return cfName;
    }
}
