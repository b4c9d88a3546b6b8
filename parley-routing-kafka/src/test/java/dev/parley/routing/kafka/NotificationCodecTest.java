package dev.parley.routing.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ServerFrame;
import dev.parley.routing.kafka.NotificationCodec.Notification;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NotificationCodecTest {
    /** Nanosecond precision: what {@code Clock.instant()} gives on Linux must survive the trip. */
    static final Instant T = Instant.parse("2025-06-01T12:00:00.123456789Z");

    private final NotificationCodec codec = new NotificationCodec();

    static InboxEntry message(String user, long cursor) {
        return new InboxEntry(user, cursor, T, new InboxEvent.MessageAdded(new StoredMessage("d:alice:bob", 7, "m-1",
                "alice", "alice-phone", "c-1", T.plusNanos(1), "hi \"bob\" ✓ \n 😀", "text/plain")));
    }

    static InboxEntry receipt(String user, long cursor) {
        return new InboxEntry(user, cursor, T, new InboxEvent.ReceiptAdvanced("d:alice:bob", "bob", ReceiptKind.READ, 7));
    }

    static InboxEntry membership(String user, long cursor) {
        Conversation group = new Conversation("g:x1", Conversation.Kind.GROUP, "Team", List.of("alice", "bob", "carol"),
                "alice", T.minusSeconds(60), 3);
        return new InboxEntry(user, cursor, T,
                new InboxEvent.MembershipChanged("g:x1", "added", "alice", List.of("carol"), null, group.version()));
    }

    private Notification roundTrip(Notification n) {
        return codec.decode(codec.encode(n));
    }

    @Test
    void messageEntryRoundTripsExactly() {
        InboxEntry e = message("bob", 42);
        assertThat(roundTrip(new Notification.Inbox(e))).isEqualTo(new Notification.Inbox(e));
    }

    @Test
    void messageWithoutContentTypeRoundTrips() {
        InboxEntry e = new InboxEntry("bob", 1, T, new InboxEvent.MessageAdded(new StoredMessage("d:alice:bob", 1, "m",
                "alice", "d", "c", T, "", null)));
        assertThat(roundTrip(new Notification.Inbox(e))).isEqualTo(new Notification.Inbox(e));
    }

    @Test
    void receiptEntriesRoundTripForBothKinds() {
        for (ReceiptKind kind : ReceiptKind.values()) {
            InboxEntry e = new InboxEntry("alice", 9, T, new InboxEvent.ReceiptAdvanced("g:x1", "bob", kind, 123_456_789_012L));
            assertThat(roundTrip(new Notification.Inbox(e))).isEqualTo(new Notification.Inbox(e));
        }
        assertThat(roundTrip(new Notification.Inbox(receipt("alice", 3)))).isEqualTo(new Notification.Inbox(receipt("alice", 3)));
    }

    @Test
    void membershipEntryRoundTripsWithTheConversation() {
        InboxEntry e = membership("carol", 1);
        assertThat(roundTrip(new Notification.Inbox(e))).isEqualTo(new Notification.Inbox(e));
        Conversation direct = new Conversation("d:alice:bob", Conversation.Kind.DIRECT, "", List.of("alice", "bob"),
                "alice", T, 0);
        InboxEntry created = new InboxEntry("bob", 2, T,
                new InboxEvent.MembershipChanged("d:alice:bob", "created", null, List.of(), direct.name(),
                        direct.version()));
        assertThat(roundTrip(new Notification.Inbox(created))).isEqualTo(new Notification.Inbox(created));
    }

    @Test
    void ephemeralFramesRoundTrip() {
        Notification typing = new Notification.Ephemeral(List.of("bob", "carol"),
                new ServerFrame.TypingEvent("g:x1", "alice", "composing"));
        Notification offline = new Notification.Ephemeral(List.of("bob"), new ServerFrame.PresenceEvent("alice", false, null));
        Notification online = new Notification.Ephemeral(List.of("bob"),
                new ServerFrame.PresenceEvent("alice", true, 1_718_000_000_000L));
        assertThat(roundTrip(typing)).isEqualTo(typing);
        assertThat(roundTrip(offline)).isEqualTo(offline);
        assertThat(roundTrip(online)).isEqualTo(online);
    }

    @Test
    void revocationsRoundTrip() {
        Notification revoked = new Notification.Revoked("bob", "dev_b1");
        assertThat(roundTrip(revoked)).isEqualTo(revoked);
    }

    @Test
    void theWireFormatIsCompactAndStable() {
        String json = new String(codec.encodeInbox(receipt("alice", 3)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"v\":1,\"k\":\"inbox\",\"user\":\"alice\",\"cursor\":3,"
                + "\"ts\":\"2025-06-01T12:00:00.123456789Z\",\"event\":{\"type\":\"receipt\",\"conv\":\"d:alice:bob\","
                + "\"user\":\"bob\",\"kind\":\"read\",\"upTo\":7}}");
        String eph = new String(codec.encodeEphemeral(List.of("bob"), new ServerFrame.TypingEvent("c", "alice", "paused")),
                StandardCharsets.UTF_8);
        assertThat(eph).isEqualTo("{\"v\":1,\"k\":\"ephemeral\",\"users\":[\"bob\"],"
                + "\"frame\":{\"type\":\"typing\",\"conv\":\"c\",\"user\":\"alice\",\"state\":\"paused\"}}");
    }

    @Test
    void refusesWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> decode("not json")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON");
        assertThatThrownBy(() -> decode("[1]")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object");
        assertThatThrownBy(() -> decode("{\"v\":2,\"k\":\"inbox\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> decode("{\"v\":1,\"k\":\"gossip\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gossip");
        assertThatThrownBy(() -> decode("{\"v\":1,\"k\":\"inbox\",\"user\":\"u\",\"ts\":\"2025-06-01T12:00:00Z\",\"event\":{}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
        assertThatThrownBy(() -> decode("{\"v\":1,\"k\":\"inbox\",\"user\":\"u\",\"cursor\":\"1\",\"ts\":\"x\",\"event\":{}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
        assertThatThrownBy(() -> decode("{\"v\":1,\"k\":\"inbox\",\"user\":\"u\",\"cursor\":1,\"ts\":\"2025-06-01T12:00:00Z\","
                + "\"event\":{\"type\":\"receipt\",\"conv\":\"c\",\"user\":\"b\",\"kind\":\"seen\",\"upTo\":1}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seen");
        assertThatThrownBy(() -> decode("{\"v\":1,\"k\":\"ephemeral\",\"users\":[\"b\"],\"frame\":{\"type\":\"nope\"}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame");
    }

    @Test
    void ignoresFieldsItDoesNotKnow() {
        Notification n = decode("{\"v\":1,\"k\":\"ephemeral\",\"later\":true,\"users\":[\"b\"],"
                + "\"frame\":{\"type\":\"typing\",\"conv\":\"c\",\"user\":\"a\",\"state\":\"paused\"}}");
        assertThat(n).isEqualTo(new Notification.Ephemeral(List.of("b"), new ServerFrame.TypingEvent("c", "a", "paused")));
    }

    private Notification decode(String json) {
        return codec.decode(json.getBytes(StandardCharsets.UTF_8));
    }
}
