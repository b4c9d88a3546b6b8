package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import java.util.Collection;
import java.util.Objects;

/**
 * The embedded router: every connection is in this process, so routing is a method call. Before
 * {@link #start} there are no sessions, so there is nothing to route to.
 */
public final class InProcessRouter implements MessageRouter {
    private volatile Handler handler;

    @Override
    public void start(Handler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public void inboxAppended(InboxEntry entry) {
        Handler h = handler;
        if (h != null) {
            h.onInboxEntry(entry);
        }
    }

    @Override
    public void ephemeral(Collection<String> userIds, ServerFrame frame) {
        Handler h = handler;
        if (h == null) {
            return;
        }
        for (String user : userIds) {
            h.onEphemeral(user, frame);
        }
    }

    @Override
    public void deviceRevoked(String userId, String deviceId) {
        Handler h = handler;
        if (h != null) {
            h.onDeviceRevoked(userId, deviceId);
        }
    }

    @Override
    public void close() {
    }
}
