package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.CursorStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.MemberReceipt;
import dev.parley.protocol.ServerFrame.MessageInfoReply;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.TcpProxy;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Contract: receipts. sent (the server has it) → delivered (a recipient device acknowledged it) →
 * read (the recipient marked it read), per member and aggregated over a group's members, pushed to
 * the sender as receipt events and durable: a sender who was offline gets them when it returns.
 */
public abstract class ReceiptsContract extends ContractSupport {

    @Test
    void messageGoesFromSentToDeliveredToRead() {
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        String conv = join(a.sdk().openDirect(bDevice.name())).conv();
        List<Sent> sent = sendAll(a, conv, bodies("r", 3));
        assertThat(sent).extracting(Sent::seq).containsExactly(1L, 2L, 3L);

        MessageInfoReply info = join(a.sdk().messageInfo(conv, 3));
        assertThat(info.conv()).isEqualTo(conv);
        assertThat(info.seq()).isEqualTo(3);
        assertThat(info.members()).as("the sender is not listed")
                .containsExactly(new MemberReceipt(bDevice.name(), "sent", 0, 0));
        assertThat(info.aggregate()).isEqualTo("sent");

        Client b = users.connect(bDevice);
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, b.name(), "delivered")).isEqualTo(3));
        ReceiptEvent delivered = a.events().receipts(conv).stream()
                .filter(r -> r.status().equals("delivered")).reduce((x, y) -> y).orElseThrow();
        assertThat(delivered.user()).isEqualTo(b.name());
        assertThat(delivered.ts()).isPositive();
        info = join(a.sdk().messageInfo(conv, 3));
        assertThat(info.members()).containsExactly(new MemberReceipt(b.name(), "delivered", 3, 0));
        assertThat(info.aggregate()).isEqualTo("delivered");
        assertThat(a.events().receiptUpTo(conv, b.name(), "read")).as("nothing read yet").isZero();

        join(b.sdk().markRead(conv, 2));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, b.name(), "read")).isEqualTo(2));
        assertThat(join(a.sdk().messageInfo(conv, 2)).members())
                .containsExactly(new MemberReceipt(b.name(), "read", 3, 2));
        MessageInfoReply third = join(a.sdk().messageInfo(conv, 3));
        assertThat(third.members()).containsExactly(new MemberReceipt(b.name(), "delivered", 3, 2));
        assertThat(third.aggregate()).isEqualTo("delivered");

        join(b.sdk().markRead(conv, 3));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, b.name(), "read")).isEqualTo(3));
        third = join(a.sdk().messageInfo(conv, 3));
        assertThat(third.members()).containsExactly(new MemberReceipt(b.name(), "read", 3, 3));
        assertThat(third.aggregate()).isEqualTo("read");
        assertThat(join(b.sdk().messageInfo(conv, 3)).aggregate()).as("any member may ask").isEqualTo("read");
    }

    @Test
    void readReceiptReachesASenderThatWasOffline() {
        Device aDevice = users.newDevice("alice");
        CursorStore aCursor = CursorStore.inMemory();
        Client a = users.connect(aDevice, aCursor);
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        sendAll(a, conv, bodies("durable", 2));
        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(2));
        a.sdk().close();

        join(b.sdk().markRead(conv, 2));

        Client aAgain = users.connect(aDevice, aCursor);
        eventually().untilAsserted(() -> assertThat(aAgain.events().receiptUpTo(conv, b.name(), "read")).isEqualTo(2));
        // Read implies delivered: a read that overtakes the ack may be the only receipt the sender gets.
        assertThat(join(aAgain.sdk().messageInfo(conv, 2)).members())
                .containsExactly(new MemberReceipt(b.name(), "read", 2, 2));
    }

    @Test
    void deliveredReceiptSurvivesAConnectionCutBeforeTheAck() throws Exception {
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        String conv = join(a.sdk().openDirect(bDevice.name())).conv();
        // Bob's connection dies while his app handles the message, before the SDK acknowledges it.
        TcpProxy path = users.track(TcpProxy.start(bDevice.server()));
        AtomicBoolean cut = new AtomicBoolean();
        RecordingListener bEvents = new RecordingListener().onEvent(e -> {
            if (e instanceof RecordingListener.Message && cut.compareAndSet(false, true)) {
                path.dropAll();
            }
        });
        Client b = users.connect(bDevice, path.uri(), CursorStore.inMemory(), bEvents);

        Sent s = join(a.sdk().send(conv, "ack me after the reconnect"));

        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(1));
        eventually().untilAsserted(() -> assertThat(path.acceptedConnections()).isGreaterThanOrEqualTo(2));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, bDevice.name(), "delivered"))
                .as("the device handled the message, so the sender gets ✓✓ without waiting for another one")
                .isEqualTo(s.seq()));
        assertThat(join(a.sdk().messageInfo(conv, s.seq())).aggregate()).isEqualTo("delivered");
    }

    @Test
    void readingBeyondTheLastMessageIsCappedAndReadingTwiceChangesNothing() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        sendAll(a, conv, bodies("cap", 2));
        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(2));

        join(b.sdk().markRead(conv, 1_000));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, b.name(), "read")).isEqualTo(2));
        join(b.sdk().markRead(conv, 1));
        join(b.sdk().markRead(conv, 2));

        assertThat(join(a.sdk().messageInfo(conv, 2)).members())
                .containsExactly(new MemberReceipt(b.name(), "read", 2, 2));
        assertFails(a.sdk().messageInfo(conv, 3), ErrorCode.MESSAGE_NOT_FOUND);
        // Bob's sentinel (message 3) reaches Alice after any receipt his reads above made.
        sentinel(b, conv, a);
        assertThat(a.events().receipts(conv)).filteredOn(r -> r.status().equals("read"))
                .as("one read receipt, capped at the last message").extracting(ReceiptEvent::upTo).containsExactly(2L);
    }

    @Test
    void groupReceiptsArePerMemberWithAnAggregate() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        Device dDevice = users.newDevice("dave");
        acceptGroupAddsFrom(a, b, c);
        acceptGroupAddsFrom(a, List.of(dDevice.name()));
        String g = join(a.sdk().createGroup("receipts", List.of(b.name(), c.name(), dDevice.name()))).conv();
        Sent s = join(a.sdk().send(g, "to the group"));
        assertThat(s.seq()).isEqualTo(1);

        eventually().untilAsserted(() -> {
            MessageInfoReply info = join(a.sdk().messageInfo(g, 1));
            assertThat(info.members()).containsExactlyInAnyOrder(
                    new MemberReceipt(b.name(), "delivered", 1, 0),
                    new MemberReceipt(c.name(), "delivered", 1, 0),
                    new MemberReceipt(dDevice.name(), "sent", 0, 0));
            assertThat(info.aggregate()).as("the lowest status among the recipients").isEqualTo("sent");
        });

        Client d = users.connect(dDevice);
        eventually().untilAsserted(() -> {
            MessageInfoReply info = join(a.sdk().messageInfo(g, 1));
            assertThat(info.members()).extracting(MemberReceipt::status).containsOnly("delivered");
            assertThat(info.aggregate()).isEqualTo("delivered");
        });

        join(b.sdk().markRead(g, 1));
        join(c.sdk().markRead(g, 1));
        eventually().untilAsserted(() -> {
            assertThat(a.events().receiptUpTo(g, b.name(), "read")).isEqualTo(1);
            assertThat(a.events().receiptUpTo(g, c.name(), "read")).isEqualTo(1);
        });
        MessageInfoReply info = join(a.sdk().messageInfo(g, 1));
        assertThat(info.members()).containsExactlyInAnyOrder(
                new MemberReceipt(b.name(), "read", 1, 1),
                new MemberReceipt(c.name(), "read", 1, 1),
                new MemberReceipt(d.name(), "delivered", 1, 0));
        assertThat(info.aggregate()).isEqualTo("delivered");

        join(d.sdk().markRead(g, 1));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(g, d.name(), "read")).isEqualTo(1));
        info = join(a.sdk().messageInfo(g, 1));
        assertThat(info.members()).extracting(MemberReceipt::status).containsOnly("read");
        assertThat(info.aggregate()).isEqualTo("read");
        assertThat(a.events().receipts(g)).extracting(ReceiptEvent::user)
                .as("receipts come from the members, never from the sender")
                .doesNotContain(a.name())
                .contains(b.name(), c.name(), d.name());
    }
}
