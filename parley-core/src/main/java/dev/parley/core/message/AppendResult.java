package dev.parley.core.message;

import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link MessageStore#appendMessage}.
 *
 * @param duplicate      true when the (sender device, client message id) pair was seen before:
 *                       {@code message} is then the first one and nothing new was written
 * @param inboxEntries   for a new message, the inbox entries the call wrote, keyed by user id; empty
 *                       for a duplicate, and empty from a store whose inbox entries are written
 *                       after the call completes (by the scale-out log, which announces them itself)
 * @param recipients     for a new message, every member whose inbox gets the message (the sender
 *                       included), as of the message's commit; empty for a duplicate
 */
public record AppendResult(StoredMessage message, boolean duplicate, Map<String, InboxEntry> inboxEntries,
                           List<String> recipients) {
    /** A result whose recipients are the users of the entries written. */
    public AppendResult(StoredMessage message, boolean duplicate, Map<String, InboxEntry> inboxEntries) {
        this(message, duplicate, inboxEntries, List.copyOf(inboxEntries.keySet()));
    }
}
