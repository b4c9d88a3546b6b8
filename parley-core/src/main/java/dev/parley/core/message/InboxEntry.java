package dev.parley.core.message;

import java.time.Instant;

/**
 * One entry of a user's inbox.
 *
 * @param cursor the entry's position in the user's inbox: 1, 2, 3, … without gaps, assigned at
 *               commit, so a reader that has seen cursor n and is told of n + 2 knows it missed n + 1
 */
public record InboxEntry(String userId, long cursor, Instant timestamp, InboxEvent event) {
}
