package dev.parley.core.delivery;

import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import java.util.Collection;
import java.util.Objects;

/** The embedded router: every connection is in this process, so routing is a method call. */
public final class InProcessRouter implements MessageRouter {
    private volatile Handler handler;

    @Override
    public void start(Handler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public void inboxAppended(InboxEntry entry) {
        handler.onInboxEntry(entry);
    }

    @Override
    public void ephemeral(Collection<String> userIds, ServerFrame frame) {
        for (String user : userIds) {
            handler.onEphemeral(user, frame);
        }
    }

    @Override
    public void deviceRevoked(String userId, String deviceId) {
        handler.onDeviceRevoked(userId, deviceId);
    }

    @Override
    public void close() {
    }
}
