package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.client.CursorStore;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.TcpProxy;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Contract: exactly once to the user. A retried send (same sender device and client message id)
 * never becomes a second message: the server answers with the first one's id and position. Cut
 * connections in the middle of a stream of sends and deliveries lose nothing and repeat nothing
 * (the SDK resends unanswered sends with their ids and drops redelivered inbox entries).
 */
public abstract class ExactlyOnceContract extends ContractSupport {

    @Test
    void aRetriedSendIsAnsweredWithTheFirstMessage() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        String conv = direct(a, b);
        String cmid = "cmid-" + TestUsers.uniqueName("x");

        Sent first = join(a.sdk().send(conv, "only once", null, cmid));
        Sent retry = join(a.sdk().send(conv, "a different body on retry", null, cmid));
        Sent next = join(a.sdk().send(conv, "next"));

        assertThat(first.duplicate()).isFalse();
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.msgId()).isEqualTo(first.msgId());
        assertThat(retry.seq()).isEqualTo(first.seq()).isEqualTo(1);
        assertThat(retry.ts()).isEqualTo(first.ts());
        assertThat(retry.clientMsgId()).isEqualTo(cmid);
        assertThat(next.seq()).as("no gap after a duplicate").isEqualTo(2);

        Sent sentinel = sentinel(a, conv, b);
        assertThat(messagesBefore(b, conv, sentinel)).extracting(MessageView::seq).containsExactly(1L, 2L);
        assertThat(b.events().messages(conv).get(0).body()).as("the first send's body is the stored one")
                .isEqualTo("only once");
    }

    @Test
    void retriesOverRawConnectionsAndConcurrentDuplicatesYieldOneMessage() {
        Device aDevice = users.newDevice("alice");
        Client b = users.newClient("bob");
        String conv = join(b.sdk().openDirect(aDevice.name())).conv();
        String cmid = "raw-" + TestUsers.uniqueName("x");

        RawSocket raw = users.raw(aDevice);
        JsonNode r1 = raw.request(send(conv, cmid, "raw once"));
        JsonNode r2 = raw.request(send(conv, cmid, "raw once"));
        assertThat(r1.path("type").asText()).isEqualTo("sent");
        assertThat(r1.path("duplicate").asBoolean()).isFalse();
        assertThat(r1.path("seq").asLong()).isEqualTo(1);
        assertThat(r1.path("clientMsgId").asText()).isEqualTo(cmid);
        assertThat(r2.path("type").asText()).isEqualTo("sent");
        assertThat(r2.path("duplicate").asBoolean()).isTrue();
        assertThat(r2.path("msgId").asText()).isEqualTo(r1.path("msgId").asText());
        assertThat(r2.path("seq").asLong()).isEqualTo(1);

        // The same device on a new connection (the old one is replaced) is still the same sender.
        RawSocket again = users.raw(aDevice);
        JsonNode r3 = again.request(send(conv, cmid, "raw once"));
        assertThat(r3.path("duplicate").asBoolean()).isTrue();
        assertThat(r3.path("msgId").asText()).isEqualTo(r1.path("msgId").asText());

        // Two sends of one new id back to back, without waiting: one message, one of them a duplicate.
        String cmid2 = "raw-" + TestUsers.uniqueName("y");
        ObjectNode s1 = send(conv, cmid2, "twice at once");
        ObjectNode s2 = send(conv, cmid2, "twice at once");
        again.send(s1);
        again.send(s2);
        JsonNode c1 = again.awaitReply(s1.path("id").asText());
        JsonNode c2 = again.awaitReply(s2.path("id").asText());
        assertThat(c1.path("type").asText()).isEqualTo("sent");
        assertThat(c2.path("type").asText()).isEqualTo("sent");
        assertThat(c2.path("msgId").asText()).isEqualTo(c1.path("msgId").asText());
        assertThat(c2.path("seq").asLong()).isEqualTo(c1.path("seq").asLong()).isEqualTo(2);
        assertThat(List.of(c1.path("duplicate").asBoolean(), c2.path("duplicate").asBoolean()))
                .containsExactlyInAnyOrder(false, true);

        // The id is per device: another device of the same user reusing it sends a new message.
        Device aOther = users.login(aDevice.user());
        JsonNode other = users.raw(aOther).request(send(conv, cmid, "same id, other device"));
        assertThat(other.path("duplicate").asBoolean()).isFalse();
        assertThat(other.path("seq").asLong()).isEqualTo(3);

        // Alice is a raw socket here: Bob sends the sentinel, and gets it back like any message of his.
        Sent sentinel = sentinel(b, conv, b);
        assertThat(messagesBefore(b, conv, sentinel)).extracting(MessageView::seq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void droppedConnectionsMidStreamLoseNothingAndRepeatNothing() throws Exception {
        Device aDevice = users.newDevice("alice");
        Device bDevice = users.newDevice("bob");
        TcpProxy aPath = users.track(TcpProxy.start(aDevice.server()));
        TcpProxy bPath = users.track(TcpProxy.start(bDevice.server()));
        int total = 200;
        AtomicInteger bReceived = new AtomicInteger();
        RecordingListener bEvents = new RecordingListener().onEvent(e -> {
            if (e instanceof RecordingListener.Message && bReceived.incrementAndGet() == total / 3) {
                bPath.dropAll();
            }
        });
        Client a = users.connect(aDevice, aPath.uri(), CursorStore.inMemory(), new RecordingListener());
        Client b = users.connect(bDevice, bPath.uri(), CursorStore.inMemory(), bEvents);
        String conv = direct(a, b);

        AtomicInteger acked = new AtomicInteger();
        List<String> bodies = bodies("stream", total);
        List<CompletableFuture<Sent>> sends = new ArrayList<>();
        for (String body : bodies) {
            CompletableFuture<Sent> f = a.sdk().send(conv, body);
            f.thenRun(() -> {
                if (acked.incrementAndGet() == total / 4) {
                    aPath.dropAll();
                }
            });
            sends.add(f);
        }
        Map<Long, String> bodyBySeq = new HashMap<>();
        for (int i = 0; i < total; i++) {
            Sent s = join(sends.get(i));
            assertThat(bodyBySeq.put(s.seq(), bodies.get(i))).as("seq %s given to one message only", s.seq()).isNull();
        }
        assertThat(new TreeSet<>(bodyBySeq.keySet())).containsExactlyElementsOf(range(1, total));

        Sent sentinel = sentinel(a, conv, b);
        List<MessageView> got = messagesBefore(b, conv, sentinel);
        assertThat(got).extracting(MessageView::seq).containsExactlyElementsOf(range(1, total));
        for (MessageView m : got) {
            assertThat(m.body()).isEqualTo(bodyBySeq.get(m.seq()));
        }
        assertThat(aPath.acceptedConnections()).as("A's connection was cut and re-established").isGreaterThanOrEqualTo(2);
        assertThat(bPath.acceptedConnections()).as("B's connection was cut and re-established").isGreaterThanOrEqualTo(2);
        assertThat(b.events().all(RecordingListener.Disconnected.class)).isNotEmpty();
    }

    private static ObjectNode send(String conv, String cmid, String body) {
        ObjectNode f = RawSocket.frame("send");
        f.put("conv", conv).put("clientMsgId", cmid).put("body", body);
        return f;
    }
}
