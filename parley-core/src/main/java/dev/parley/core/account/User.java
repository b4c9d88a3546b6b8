package dev.parley.core.account;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered user. The username is the user's id: lowercase, immutable, unique.
 *
 * @param passwordHash an encoded Argon2id hash from {@link PasswordHasher}, never the password
 */
public record User(String id, String passwordHash, LastSeenPrivacy lastSeenPrivacy, Instant createdAt) {
    public User {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(lastSeenPrivacy, "lastSeenPrivacy");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public User withPrivacy(LastSeenPrivacy privacy) {
        return new User(id, passwordHash, privacy, createdAt);
    }
}
