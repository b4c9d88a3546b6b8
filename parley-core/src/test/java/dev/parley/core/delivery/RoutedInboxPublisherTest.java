package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one exit of inbox entries: each entry to its own user's server, once. */
class RoutedInboxPublisherTest {
    private final List<InboxEntry> routed = new ArrayList<>();
    private final MessageRouter router = new MessageRouter() {
        @Override public void start(Handler handler) {
        }

        @Override public void inboxAppended(InboxEntry entry) {
            routed.add(entry);
        }

        @Override public void ephemeral(Collection<String> userIds, ServerFrame frame) {
            throw new AssertionError("inbox entries are not ephemeral");
        }

        @Override public void deviceRevoked(String userId, String deviceId) {
        }

        @Override public void close() {
        }
    };

    private static InboxEntry receipt(String user, long cursor) {
        return new InboxEntry(user, cursor, FakeInboxStore.T0,
                new InboxEvent.ReceiptAdvanced("g1", "alice", ReceiptKind.READ, 4));
    }

    @Test
    void eachEntryOfAWriteGoesToItsUserOnce() {
        Map<String, InboxEntry> written = new LinkedHashMap<>();
        written.put("alice", receipt("alice", 7));
        written.put("bob", receipt("bob", 3));
        written.put("carol", receipt("carol", 12));

        new RoutedInboxPublisher(router, () -> false).publish(written);

        assertThat(routed).containsExactlyElementsOf(written.values());
    }

    @Test
    void aStoreThatAnnouncesItsOwnEntriesIsNotAnnouncedTwice() {
        new RoutedInboxPublisher(router, () -> true).publish(List.of(receipt("alice", 1), receipt("bob", 1)));

        assertThat(routed).isEmpty();
    }
}
