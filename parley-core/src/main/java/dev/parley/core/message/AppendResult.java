package dev.parley.core.message;

import java.util.Map;

/**
 * The outcome of {@link MessageStore#appendMessage}.
 *
 * @param duplicate      true when the (sender device, client message id) pair was seen before:
 *                       {@code message} is then the first one and nothing new was written
 * @param inboxEntries   for a new message, the inbox entry written for each member (keyed by
 *                       user id); empty for a duplicate
 */
public record AppendResult(StoredMessage message, boolean duplicate, Map<String, InboxEntry> inboxEntries) {
}
