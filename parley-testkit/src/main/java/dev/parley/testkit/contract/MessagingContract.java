package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.TestUsers.Client;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract: one-to-one messaging. A send is answered with the message's id and its position in
 * the conversation's single order (1, 2, 3, … with no gaps); the recipient gets every message
 * once, in that order, with the same ids.
 */
public abstract class MessagingContract extends ContractSupport {

    @Test
    void sendIsAnsweredWithIdAndGapFreeSequenceAndRecipientGetsEachOnceInOrder() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        List<String> bodies = bodies("hello", 20);

        List<Sent> sent = sendAll(a, conv, bodies);

        assertThat(sent).extracting(Sent::seq).containsExactlyElementsOf(range(1, 20));
        assertThat(sent).allSatisfy(s -> {
            assertThat(s.conv()).isEqualTo(conv);
            assertThat(s.msgId()).isNotBlank();
            assertThat(s.clientMsgId()).isNotBlank();
            assertThat(s.duplicate()).isFalse();
            assertThat(s.ts()).isPositive();
        });
        assertThat(new HashSet<>(sent.stream().map(Sent::msgId).toList())).hasSize(20);
        for (int i = 1; i < sent.size(); i++) {
            assertThat(sent.get(i).ts()).as("timestamps follow the order").isGreaterThanOrEqualTo(sent.get(i - 1).ts());
        }

        // Nothing repeated: the sentinel comes after every delivery these 20 sends caused.
        Sent sentinel = sentinel(a, conv, b);
        List<MessageView> got = messagesBefore(b, conv, sentinel);
        assertThat(got).extracting(MessageView::seq).containsExactlyElementsOf(range(1, 20));
        assertThat(got).extracting(MessageView::body).containsExactlyElementsOf(bodies);
        for (int i = 0; i < 20; i++) {
            MessageView m = got.get(i);
            assertThat(m.msgId()).isEqualTo(sent.get(i).msgId());
            assertThat(m.clientMsgId()).isEqualTo(sent.get(i).clientMsgId());
            assertThat(m.ts()).isEqualTo(sent.get(i).ts());
            assertThat(m.from()).isEqualTo(a.name());
            assertThat(m.fromDevice()).isEqualTo(a.device().id());
            assertThat(m.conv()).isEqualTo(conv);
        }
    }

    @Test
    void bothSidesOpenTheSameDirectConversationAndTheRecipientLearnsOfIt() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");

        ConversationView fromA = join(a.sdk().openDirect(b.name()));
        ConversationView fromB = join(b.sdk().openDirect(a.name()));
        ConversationView again = join(a.sdk().openDirect(b.name()));

        assertThat(fromB.conv()).isEqualTo(fromA.conv());
        assertThat(again.conv()).isEqualTo(fromA.conv());
        assertThat(fromA.kind()).isEqualTo("direct");
        assertThat(fromA.members()).containsExactlyInAnyOrder(a.name(), b.name());
        eventually().untilAsserted(() -> assertThat(b.events().memberships(fromA.conv()))
                .extracting(MembershipEvent::change).contains("created"));
        sentinel(a, fromA.conv(), b);
        assertThat(b.events().memberships(fromA.conv())).as("opening an existing direct conversation changes nothing")
                .hasSize(1);
    }

    @Test
    void bodyAndContentTypeArriveUnchanged() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        String unicode = "héllo wörld — 你好 👋🏽 \u0000 \"quoted\" \\ \n new line";
        String json = "{\"kind\":\"location\",\"lat\":52.52}";

        Sent s1 = join(a.sdk().send(conv, unicode));
        Sent s2 = join(a.sdk().send(conv, json, "application/json"));
        Sent s3 = join(a.sdk().send(conv, ""));

        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(3));
        List<MessageView> got = b.events().messages(conv);
        assertThat(got.get(0).body()).isEqualTo(unicode);
        assertThat(got.get(0).msgId()).isEqualTo(s1.msgId());
        assertThat(got.get(1).body()).isEqualTo(json);
        assertThat(got.get(1).contentType()).isEqualTo("application/json");
        assertThat(got.get(1).msgId()).isEqualTo(s2.msgId());
        assertThat(got.get(2).body()).isEmpty();
        assertThat(got.get(2).seq()).isEqualTo(s3.seq());
    }

    @Test
    void conversationListShowsTheLastSequence() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        sendAll(a, conv, bodies("x", 3));

        List<ConversationView> viaSocket = join(b.sdk().listConversations());
        List<ConversationView> viaRest = join(users.rest(b.device()).conversations(b.device().token()));

        assertThat(viaSocket).filteredOn(c -> c.conv().equals(conv)).singleElement()
                .satisfies(c -> assertThat(c.lastSeq()).isEqualTo(3));
        assertThat(viaRest).filteredOn(c -> c.conv().equals(conv)).singleElement()
                .satisfies(c -> {
                    assertThat(c.lastSeq()).isEqualTo(3);
                    assertThat(c.members()).containsExactlyInAnyOrder(a.name(), b.name());
                });
    }

    @Test
    void openingADirectConversationWithAnUnknownUserFails() {
        Client a = users.newClient("alice");
        assertFails(a.sdk().openDirect(TestUsers.uniqueName("nobody")), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().openDirect(a.name()), ErrorCode.INVALID_FIELD);
    }
}
