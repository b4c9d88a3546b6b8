package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Contract: the wire protocol itself, as a client written from docs/PROTOCOL.md sees it. Every
 * request carries a client-chosen id that its reply echoes (except {@code auth}, answered by the
 * id-less {@code welcome}, as documented), each request type gets its documented reply type, the {@code welcome} states the protocol version and the limits the deployment runs
 * with, and an unknown protocol version is refused with a readable error.
 */
public abstract class ProtocolContract extends ContractSupport {

    @Test
    void everyRequestIsAnsweredWithItsIdAndItsReplyType() {
        Device alice = users.newDevice("alice");
        Client bob = users.newClient("bob");
        Client carol = users.newClient("carol");
        RawSocket raw = users.raw(alice);
        join(bob.sdk().addContact(alice.name()));
        join(carol.sdk().setGroupAddPrivacy("everyone"));

        String conv = expect(raw, req("open_direct").put("user", bob.name()), "conversation")
                .path("conversation").path("conv").asText();
        expect(raw, req("sync"), "synced");
        JsonNode sent = expect(raw, req("send").put("conv", conv).put("clientMsgId", "p-1").put("body", "hi"), "sent");
        long seq = sent.path("seq").asLong();
        expect(raw, req("read").put("conv", conv).put("upTo", seq), "ok");
        expect(raw, req("typing").put("conv", conv).put("state", "start"), "ok");
        expect(raw, req("history").put("conv", conv).put("limit", 5), "history");
        expect(raw, req("message_info").put("conv", conv).put("seq", seq), "message_info");
        ObjectNode create = req("create_group").put("name", "protocol");
        create.putArray("members").add(bob.name());
        String group = expect(raw, create, "conversation").path("conversation").path("conv").asText();
        JsonNode renamed = expect(raw, req("rename_group").put("conv", group).put("name", "renamed"), "conversation");
        assertThat(renamed.path("conversation").path("name").asText()).isEqualTo("renamed");
        ObjectNode add = req("add_members").put("conv", group);
        add.putArray("users").add(carol.name());
        JsonNode added = expect(raw, add, "conversation");
        assertThat(added.path("conversation").path("members").toString()).contains(carol.name());
        JsonNode removed = expect(raw, req("remove_member").put("conv", group).put("user", carol.name()), "conversation");
        assertThat(removed.path("conversation").path("members").toString()).doesNotContain(carol.name());
        expect(raw, req("list_conversations"), "conversations");
        JsonNode got = expect(raw, req("get_conversation").put("conv", group), "conversation");
        assertThat(got.path("conversation").path("admins").toString()).contains(alice.name());
        JsonNode promoted = expect(raw, req("promote_admin").put("conv", group).put("user", bob.name()), "conversation");
        assertThat(promoted.path("conversation").path("admins").toString()).contains(bob.name());
        expect(raw, req("add_contact").put("user", bob.name()), "ok");
        assertThat(expect(raw, req("list_contacts"), "contacts").path("contacts").toString()).contains(bob.name());
        expect(raw, req("remove_contact").put("user", bob.name()), "ok");
        expect(raw, req("set_privacy").put("groupAdd", "contacts"), "ok");
        ObjectNode subscribe = req("subscribe_presence");
        subscribe.putArray("users").add(bob.name());
        expect(raw, subscribe, "presence_list");
        expect(raw, req("set_privacy").put("lastSeen", "everyone"), "ok");
        JsonNode left = expect(raw, req("leave_group").put("conv", group), "conversation");
        assertThat(left.path("conversation").path("members").toString()).as("the state after leaving")
                .doesNotContain(alice.name()).contains(bob.name());
        expect(raw, req("ping"), "pong");
        JsonNode error = expect(raw, req("history").put("conv", "g:doesnotexist0"), "error");
        assertThat(error.path("code").asText()).isEqualTo("CONVERSATION_NOT_FOUND");

        // The inbox ack is answered too, once something was delivered.
        JsonNode message = raw.awaitFrame(0, f -> f.path("type").asText().equals("message"), "a message event");
        assertThat(message.has("id")).as("events carry no request id").isFalse();
        expect(raw, req("ack").put("upTo", message.path("cursor").asLong()), "ok");
    }

    @Test
    void welcomeStatesTheProtocolAndTheLimits() {
        Device alice = users.newDevice("alice");
        RawSocket raw = users.raw(alice);
        JsonNode welcome = raw.awaitType("welcome");

        assertThat(welcome.path("protocol").asInt()).isEqualTo(1);
        assertThat(welcome.path("user").asText()).isEqualTo(alice.name());
        assertThat(welcome.path("device").asText()).isEqualTo(alice.id());
        assertThat(welcome.path("server").asText()).isNotBlank();
        assertThat(welcome.path("heartbeatSeconds").asInt()).isPositive();
        Deployment.Limits l = limits();
        assertThat(Map.of(
                "maxBodyBytes", welcome.path("limits").path("maxBodyBytes").asLong(),
                "maxGroupMembers", welcome.path("limits").path("maxGroupMembers").asLong(),
                "rateLimitPerSecond", welcome.path("limits").path("rateLimitPerSecond").asLong(),
                "rateLimitBurst", welcome.path("limits").path("rateLimitBurst").asLong()))
                .as("the welcome announces the limits the deployment is configured with")
                .isEqualTo(Map.of(
                        "maxBodyBytes", (long) l.maxBodyBytes(),
                        "maxGroupMembers", (long) l.maxGroupMembers(),
                        "rateLimitPerSecond", (long) l.rateLimitPerSecond(),
                        "rateLimitBurst", (long) l.rateLimitBurst()));
    }

    @Test
    void anUnknownProtocolVersionIsRefusedReadably() {
        Device a = users.newDevice("alice");
        RawSocket.Attempt attempt = RawSocket.attempt(a.server(), "v=99", a.token());
        if (attempt.refused()) {
            assertThat(attempt.refusedStatus()).isBetween(400, 499);
            return;
        }
        RawSocket raw = users.track(attempt.socket());
        JsonNode error = raw.awaitType("error");
        assertThat(error.path("code").asText()).isEqualTo("INVALID_FIELD");
        assertThat(error.path("message").asText()).as("says which version the server speaks").contains("1");
        assertThat(raw.awaitClose()).as("protocol error").isEqualTo(1002);
        assertThat(raw.frames()).noneMatch(f -> f.path("type").asText().equals("welcome"));
    }

    @Test
    void anAckUpToTheSyncCursorIsAcceptedEvenBeforeSyncedArrives() {
        // docs/PROTOCOL.md 4.5: upTo may be at most the highest cursor sent on this connection or the
        // after of this connection's sync. A client that pipelines sync and ack must not be refused.
        Client bob = users.newClient("bob");
        Device alice = users.newDevice("alice");
        String conv = join(bob.sdk().openDirect(alice.name())).conv();
        JsonNode sent = RawSocket.object();
        for (int i = 0; i < 3; i++) {
            sent = RawSocket.object().put("seq", join(bob.sdk().send(conv, "m" + i)).seq());
        }
        long lastSeq = sent.path("seq").asLong();

        RawSocket first = users.raw(alice);
        first.request(req("sync"));
        JsonNode last = first.awaitFrame(0, f -> f.path("type").asText().equals("message")
                && f.path("message").path("seq").asLong() == lastSeq, "the last message");
        long cursor = last.path("cursor").asLong();
        first.close();

        RawSocket second = users.raw(alice);
        ObjectNode sync = req("sync").put("after", cursor);
        ObjectNode ack = req("ack").put("upTo", cursor);
        second.send(sync);
        second.send(ack);
        JsonNode ackReply = second.awaitReply(ack.path("id").asText());
        assertThat(ackReply.path("type").asText()).as("reply %s", ackReply).isEqualTo("ok");
        assertThat(second.awaitReply(sync.path("id").asText()).path("type").asText()).isEqualTo("synced");
        eventually().untilAsserted(() -> assertThat(bob.events().receiptUpTo(conv, alice.name(), "delivered"))
                .isEqualTo(lastSeq));
    }

    @Test
    void aNewerConnectionOfTheSameDeviceReplacesTheOlderOne() {
        Device alice = users.newDevice("alice");
        RawSocket first = users.raw(alice);
        RawSocket second = users.raw(alice);

        assertThat(first.awaitClose()).as("replaced").isEqualTo(4001);
        assertThat(second.request(RawSocket.frame("ping")).path("type").asText()).isEqualTo("pong");
        Device otherDevice = users.login(alice.user());
        RawSocket third = users.raw(otherDevice);
        assertThat(third.request(RawSocket.frame("ping")).path("type").asText()).isEqualTo("pong");
        assertThat(second.request(RawSocket.frame("ping")).path("type").asText())
                .as("devices of one user connect side by side").isEqualTo("pong");
    }

    private static ObjectNode req(String type) {
        return RawSocket.frame(type);
    }

    /** Sends a request and checks that its reply echoes its id and has one of the expected types. */
    private static JsonNode expect(RawSocket raw, ObjectNode request, String... types) {
        JsonNode reply = raw.request(request);
        assertThat(reply.path("id").asText()).isEqualTo(request.path("id").asText());
        assertThat(reply.path("type").asText()).as("reply to %s: %s", request.path("type").asText(), reply)
                .isIn((Object[]) types);
        return reply;
    }

}
