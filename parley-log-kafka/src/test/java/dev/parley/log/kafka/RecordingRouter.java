package dev.parley.log.kafka;

import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A router that keeps the inbox entries the projection writer announces. */
final class RecordingRouter implements MessageRouter {
    final List<InboxEntry> announced = new CopyOnWriteArrayList<>();

    @Override
    public void start(Handler handler) {
    }

    @Override
    public void inboxAppended(InboxEntry entry) {
        announced.add(entry);
    }

    @Override
    public void ephemeral(Collection<String> userIds, ServerFrame frame) {
    }

    @Override
    public void deviceRevoked(String userId, String deviceId) {
    }

    @Override
    public void close() {
    }
}
