package dev.parley.core.message;

import java.util.Collection;

/**
 * Told of each new message once it is durable (never of a retried duplicate); push wakes the
 * offline recipients from it. Called on the store's completion thread: must return at once.
 */
@FunctionalInterface
public interface NewMessageListener {

    /** {@code recipients}: the members whose inbox got the message, the sender excluded. */
    void messageStored(StoredMessage message, Collection<String> recipients);
}
