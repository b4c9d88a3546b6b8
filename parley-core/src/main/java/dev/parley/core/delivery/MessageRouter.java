package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import java.util.Collection;

/**
 * Port: carries notifications from the server that wrote something to the servers holding the
 * connections that should see it. The durable copy is always in the {@link
 * dev.parley.core.message.MessageStore}; a notification only says "look". A device that misses
 * one (its server was restarting, say) still gets the entry on its next sync, because delivery
 * is driven by the inbox cursor, not by notifications.
 */
public interface MessageRouter extends AutoCloseable {

    /** Where notifications for users connected to this server go. */
    interface Handler {
        /** A new durable entry in {@code entry.userId()}'s inbox. */
        void onInboxEntry(InboxEntry entry);

        /** An ephemeral frame (typing, presence) for every connected device of {@code userId}. */
        void onEphemeral(String userId, ServerFrame frame);

        /** A device was revoked: close its connection if this server holds it. */
        void onDeviceRevoked(String userId, String deviceId);
    }

    /** Starts routing to {@code handler}; called once before any other method. */
    void start(Handler handler);

    /** Tells whoever holds a connection of the entry's user that the entry exists. */
    void inboxAppended(InboxEntry entry);

    /** Sends a frame that is never stored to every connected device of the users. */
    void ephemeral(Collection<String> userIds, ServerFrame frame);

    /**
     * Tells whichever server holds a connection of the revoked device to close it, so that a
     * revoked token stops working everywhere at once, not only on the server that revoked it.
     */
    void deviceRevoked(String userId, String deviceId);

    @Override
    void close();
}
