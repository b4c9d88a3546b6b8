package dev.parley.core.account;

import java.time.Instant;
import java.util.Objects;

/**
 * A logged-in device of a user. Its bearer token is stored only as a SHA-256 hash
 * ({@code tokenHash}, lowercase hex): the token itself is shown once, at login.
 *
 * @param pushProvider null when the device registered no push target, else webhook (the only
 *                     provider this version sends to)
 * @param pushTarget   the provider-specific target (for webhook: an http(s) URL)
 */
public record Device(String userId, String deviceId, String name, String tokenHash, Instant createdAt,
                     String pushProvider, String pushTarget) {
    public Device {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tokenHash, "tokenHash");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public Device withPush(String provider, String target) {
        return new Device(userId, deviceId, name, tokenHash, createdAt, provider, target);
    }
}
