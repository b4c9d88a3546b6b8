package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxPublisher;
import java.util.Collection;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Publishes inbox entries through the {@link MessageRouter}: one notification per entry, to the
 * server holding a connection of the entry's user. With a store that announces what it writes
 * itself (the scale-out log does, from wherever it writes), the entries a call returns are not
 * announced a second time.
 */
public final class RoutedInboxPublisher implements InboxPublisher {
    private final MessageRouter router;
    private final BooleanSupplier storeAnnounces;

    /**
     * @param storeAnnounces {@link dev.parley.core.message.MessageStore#announcesEntries()} of the
     *                       deployment's store, asked on each publish
     */
    public RoutedInboxPublisher(MessageRouter router, BooleanSupplier storeAnnounces) {
        this.router = Objects.requireNonNull(router, "router");
        this.storeAnnounces = Objects.requireNonNull(storeAnnounces, "storeAnnounces");
    }

    @Override
    public void publish(Collection<InboxEntry> entries) {
        if (storeAnnounces.getAsBoolean()) {
            return;
        }
        for (InboxEntry e : entries) {
            router.inboxAppended(e);
        }
    }
}
