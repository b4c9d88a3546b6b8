package dev.parley.core.presence;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Port: which users are online, across every server.
 *
 * @implNote Presence is best effort by design: it may lag reality by up to the heartbeat
 * timeout (a server that dies without saying goodbye leaves its users "online" until their
 * entries expire). Nothing that must be exact (delivery, receipts) depends on it.
 */
public interface PresenceRegistry extends AutoCloseable {

    /** A device of the user connected to {@code serverId}. */
    CompletionStage<Void> connected(String userId, String deviceId, String serverId);

    /** A device of the user disconnected. */
    CompletionStage<Void> disconnected(String userId, String deviceId, String serverId);

    /**
     * Keeps this server's entries alive; called periodically with the users connected here.
     * Registries with expiry (Redis) refresh it; in-process ones may ignore it.
     */
    CompletionStage<Void> refresh(String serverId, Collection<String> connectedUsers);

    CompletionStage<Map<String, PresenceState>> lookup(Collection<String> userIds);

    /**
     * The servers holding a connection of each user (users with none are absent), so a router
     * can send a notification only where it is needed.
     */
    CompletionStage<Map<String, java.util.Set<String>>> locate(Collection<String> userIds);

    /** Registers a listener for online/offline transitions seen by any server. */
    void listen(Consumer<PresenceState> listener);

    @Override
    void close();
}
