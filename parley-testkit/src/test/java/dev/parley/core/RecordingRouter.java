package dev.parley.core;

import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** A router that records what the services announce, for the services' unit tests. Thread-safe. */
public final class RecordingRouter implements MessageRouter {
    /** One ephemeral frame addressed to one user. */
    public record Ephemeral(String userId, ServerFrame frame) {
    }

    private final List<InboxEntry> announced = new ArrayList<>();
    private final List<Ephemeral> ephemeral = new ArrayList<>();
    private final List<String> revoked = new ArrayList<>();

    @Override
    public void start(Handler handler) {
    }

    @Override
    public synchronized void inboxAppended(InboxEntry entry) {
        announced.add(entry);
    }

    @Override
    public synchronized void ephemeral(Collection<String> userIds, ServerFrame frame) {
        for (String u : userIds) {
            ephemeral.add(new Ephemeral(u, frame));
        }
    }

    @Override
    public synchronized void deviceRevoked(String userId, String deviceId) {
        revoked.add(userId + "/" + deviceId);
    }

    /** Every inbox entry announced so far, in order. */
    public synchronized List<InboxEntry> announced() {
        return List.copyOf(announced);
    }

    /** The entries announced so far for one user, in order. */
    public synchronized List<InboxEntry> announcedTo(String userId) {
        return announced.stream().filter(e -> e.userId().equals(userId)).toList();
    }

    public synchronized List<Ephemeral> ephemeral() {
        return List.copyOf(ephemeral);
    }

    public synchronized List<String> revoked() {
        return List.copyOf(revoked);
    }

    /** Forgets what was recorded, so a test can look at what one call announces. */
    public synchronized void clear() {
        announced.clear();
        ephemeral.clear();
        revoked.clear();
    }

    @Override
    public void close() {
    }
}
