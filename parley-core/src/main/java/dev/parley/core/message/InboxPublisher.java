package dev.parley.core.message;

import java.util.Collection;
import java.util.Map;

/**
 * The one exit for inbox entries: every service that writes entries (new messages, read and
 * delivered receipts, membership changes) hands the entries the store returned to this, and
 * nothing else announces them. The durable copy is already in the {@link MessageStore}; publishing
 * only tells whoever holds a connection of the entry's user to look, so an entry that is never
 * published is delayed until that device's next sync or heartbeat, never lost.
 *
 * <p>Implemented at the edge of the core (the router of this deployment); owned here so that the
 * services that write entries depend on nothing above them.
 *
 * <p>Threading: may be called from any thread; returns at once.
 */
@FunctionalInterface
public interface InboxPublisher {

    /** Announces entries the store has durably written, each to its own user. */
    void publish(Collection<InboxEntry> entries);

    /** Announces entries keyed by user id, as the store's write calls return them. */
    default void publish(Map<String, InboxEntry> entriesByUser) {
        publish(entriesByUser.values());
    }
}
