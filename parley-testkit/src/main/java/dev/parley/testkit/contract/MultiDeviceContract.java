package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.User;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract: multi-device. Each of a user's devices gets every message of the user's conversations
 * (the user's own, sent from another device, included), and read state syncs across them.
 */
public abstract class MultiDeviceContract extends ContractSupport {

    @Test
    void everyDeviceOfTheRecipientGetsEveryMessage() {
        Client a = users.newClient("alice");
        User bob = users.register("bob");
        Client b1 = users.connect(users.login(bob));
        Client b2 = users.connect(users.login(bob));
        assertThat(b1.sdk().device()).isNotEqualTo(b2.sdk().device());
        String conv = direct(a, b1);

        List<Sent> sent = sendAll(a, conv, bodies("both", 10));

        Sent sentinel = sentinel(a, conv, b1, b2);
        for (Client b : List.of(b1, b2)) {
            assertThat(messagesBefore(b, conv, sentinel)).extracting(MessageView::msgId)
                    .containsExactlyElementsOf(sent.stream().map(Sent::msgId).toList());
        }
    }

    @Test
    void theSendersOtherDevicesSeeWhatItSent() {
        User alice = users.register("alice");
        Client a1 = users.connect(users.login(alice));
        Client a2 = users.connect(users.login(alice));
        Client b = users.newClient("bob");
        String conv = direct(a1, b);

        List<Sent> fromA1 = sendAll(a1, conv, bodies("mine", 5));
        Sent fromB = join(b.sdk().send(conv, "reply"));

        eventually().untilAsserted(() -> assertThat(a2.events().messages(conv)).hasSize(6));
        List<MessageView> onA2 = a2.events().messages(conv);
        assertThat(onA2).extracting(MessageView::seq).containsExactlyElementsOf(range(1, 6));
        for (int i = 0; i < 5; i++) {
            assertThat(onA2.get(i).msgId()).isEqualTo(fromA1.get(i).msgId());
            assertThat(onA2.get(i).from()).isEqualTo(alice.name());
            assertThat(onA2.get(i).fromDevice()).isEqualTo(a1.device().id());
        }
        assertThat(onA2.get(5).msgId()).isEqualTo(fromB.msgId());
        assertThat(onA2.get(5).from()).isEqualTo(b.name());
        eventually().untilAsserted(() -> assertThat(a1.events().messages(conv)).extracting(MessageView::msgId)
                .contains(fromB.msgId()));
    }

    @Test
    void readOnOneDeviceSyncsToTheOthers() {
        Client a = users.newClient("alice");
        User bob = users.register("bob");
        Client b1 = users.connect(users.login(bob));
        Client b2 = users.connect(users.login(bob));
        String conv = direct(a, b1);
        sendAll(a, conv, bodies("read", 5));
        eventually().untilAsserted(() -> assertThat(b2.events().messages(conv)).hasSize(5));

        join(b1.sdk().markRead(conv, 4));

        eventually().untilAsserted(() -> assertThat(b2.events().receiptUpTo(conv, bob.name(), "read")).isEqualTo(4));
        ReceiptEvent r = b2.events().receipts(conv).stream()
                .filter(e -> e.user().equals(bob.name()) && e.status().equals("read")).findFirst().orElseThrow();
        assertThat(r.conv()).isEqualTo(conv);
        assertThat(r.ts()).isPositive();
        eventually().untilAsserted(() -> assertThat(b1.events().receiptUpTo(conv, bob.name(), "read")).isEqualTo(4));
        eventually().untilAsserted(() -> assertThat(a.events().receiptUpTo(conv, bob.name(), "read")).isEqualTo(4));

        join(b2.sdk().markRead(conv, 5));
        eventually().untilAsserted(() -> assertThat(b1.events().receiptUpTo(conv, bob.name(), "read")).isEqualTo(5));
    }
}
