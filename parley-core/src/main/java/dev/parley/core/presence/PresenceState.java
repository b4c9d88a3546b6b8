package dev.parley.core.presence;

import java.time.Instant;

/**
 * Whether a user has a connected device anywhere, and when one was last connected.
 *
 * @param lastSeen null when the user was never seen
 */
public record PresenceState(String userId, boolean online, Instant lastSeen) {
}
