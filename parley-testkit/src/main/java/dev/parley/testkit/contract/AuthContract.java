package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyAccounts.DeviceInfo;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import dev.parley.testkit.contract.TestUsers.User;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Contract: authentication and authorization. Every operation needs a valid device token; a
 * revoked device is cut off at once; only members read or write a conversation, and a non-member
 * gets exactly the answer a non-existent conversation gets, so it learns nothing.
 */
public abstract class AuthContract extends ContractSupport {
    private static final String NO_SUCH_CONVERSATION = "g:doesnotexist0";

    @Test
    void aBadTokenIsRefusedOnWebSocketAndRest() {
        URI server = users.nextServer();
        assertRefused(server, "not-a-real-token");
        assertRefused(server, "x".repeat(600));

        ParleyClient sdk = users.track(ParleyClient.builder(server, "not-a-real-token").build());
        assertFails(sdk.connect(), ErrorCode.UNAUTHENTICATED);

        ParleyAccounts rest = users.rest(server);
        assertRestFails(rest.conversations("not-a-real-token"), ErrorCode.UNAUTHENTICATED);
        assertRestFails(rest.devices("not-a-real-token"), ErrorCode.UNAUTHENTICATED);
        assertRestFails(rest.history("not-a-real-token", NO_SUCH_CONVERSATION, HistoryRequest.latest(1)),
                ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void theAuthFrameAuthenticatesAConnectionWithoutAHeader() {
        Device a = users.newDevice("alice");
        RawSocket.Attempt attempt = RawSocket.attempt(a.server(), null);
        if (attempt.refused()) {
            assertThat(attempt.refusedStatus()).as("a server that needs the header refuses with 401").isEqualTo(401);
            return;
        }
        RawSocket raw = users.track(attempt.socket());
        raw.send(RawSocket.frame("auth").put("token", a.token()));
        JsonNode welcome = raw.awaitType("welcome");
        assertThat(welcome.path("user").asText()).isEqualTo(a.name());
        assertThat(welcome.path("device").asText()).isEqualTo(a.id());
        assertThat(welcome.path("protocol").asInt()).isEqualTo(1);
        assertThat(raw.request(RawSocket.frame("ping")).path("type").asText()).isEqualTo("pong");

        // Before authentication nothing but auth is served.
        RawSocket early = users.track(RawSocket.attempt(a.server(), null).socket());
        JsonNode refused = early.request(RawSocket.frame("list_conversations"));
        assertThat(refused.path("type").asText()).isEqualTo("error");
        assertThat(refused.path("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(early.frames()).noneMatch(f -> f.path("type").asText().equals("conversations"));

        // A wrong token in the auth frame is refused and the connection closed.
        RawSocket wrong = users.track(RawSocket.attempt(a.server(), null).socket());
        JsonNode denied = wrong.request(RawSocket.frame("auth").put("token", "wrong"));
        assertThat(denied.path("type").asText()).isEqualTo("error");
        assertThat(denied.path("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(wrong.awaitClose()).isEqualTo(1008);
        assertThat(wrong.frames()).noneMatch(f -> f.path("type").asText().equals("welcome"));
    }

    @Test
    void aRevokedDeviceIsCutOffAtOnce() {
        User bob = users.register("bob");
        Device b1 = users.login(bob);
        Device b2 = users.login(bob);
        Client c1 = users.connect(b1);
        RawSocket live = users.raw(b2);

        List<DeviceInfo> devices = join(users.rest(b1).devices(b1.token()));
        assertThat(devices).extracting(DeviceInfo::device).contains(b1.id(), b2.id());
        assertThat(devices).filteredOn(DeviceInfo::current).extracting(DeviceInfo::device).containsExactly(b1.id());

        join(users.rest(b1).revokeDevice(b1.token(), b2.id()));

        assertThat(live.awaitClose()).as("closed as a policy violation").isEqualTo(1008);
        assertRefused(b2.server(), b2.token());
        assertRestFails(users.rest(b2).conversations(b2.token()), ErrorCode.UNAUTHENTICATED);
        assertThat(join(users.rest(b1).devices(b1.token()))).extracting(DeviceInfo::device)
                .contains(b1.id()).doesNotContain(b2.id());
        assertRestFails(users.rest(b1).revokeDevice(b1.token(), b2.id()), ErrorCode.DEVICE_NOT_FOUND);
        assertThat(join(c1.sdk().ping()).ts()).as("the other device is untouched").isPositive();

        Device stranger = users.newDevice("eve");
        assertRestFails(users.rest(stranger).revokeDevice(stranger.token(), b1.id()), ErrorCode.DEVICE_NOT_FOUND);
        assertThat(join(c1.sdk().ping()).ts()).isPositive();
    }

    @Test
    void aNonMemberGetsTheAnswerOfANonExistentConversation() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client eve = users.newClient("eve");
        String direct = direct(a, b);
        acceptGroupAddsFrom(a, b);
        String group = join(a.sdk().createGroup("secret club", List.of(b.name()))).conv();
        join(a.sdk().send(direct, "psst"));
        join(a.sdk().send(group, "psst"));

        for (String conv : List.of(direct, group)) {
            sameAsMissing(conv, c -> eve.sdk().send(c, "let me in"));
            sameAsMissing(conv, c -> eve.sdk().history(c, HistoryRequest.latest(10)));
            sameAsMissing(conv, c -> eve.sdk().typing(c, true));
            sameAsMissing(conv, c -> eve.sdk().markRead(c, 1));
            sameAsMissing(conv, c -> eve.sdk().messageInfo(c, 1));
            sameAsMissing(conv, c -> eve.sdk().renameGroup(c, "mine now"));
            sameAsMissing(conv, c -> eve.sdk().addMembers(c, List.of(eve.name())));
            sameAsMissing(conv, c -> eve.sdk().removeMember(c, b.name()));
            sameAsMissing(conv, c -> eve.sdk().leaveGroup(c));
            sameAsMissing(conv, c -> users.rest(eve.device()).history(eve.device().token(), c, HistoryRequest.latest(10)));
        }

        assertThat(join(eve.sdk().listConversations())).extracting(ConversationView::conv).doesNotContain(direct, group);
        assertThat(join(users.rest(eve.device()).conversations(eve.device().token())))
                .extracting(ConversationView::conv).doesNotContain(direct, group);
        // Eve is in neither conversation: her sentinel comes through a conversation of her own with Alice.
        Sent sentinel = sentinel(a, direct(a, eve), eve);
        assertThat(eve.events().messages()).extracting(MessageView::msgId).containsExactly(sentinel.msgId());
        assertThat(eve.events().typing()).isEmpty();
        assertThat(join(b.sdk().history(group, HistoryRequest.latest(10))).messages()).hasSize(1);
        assertThat(join(b.sdk().listConversations())).filteredOn(v -> v.conv().equals(group)).singleElement()
                .satisfies(v -> {
                    assertThat(v.name()).isEqualTo("secret club");
                    assertThat(v.members()).containsExactlyInAnyOrder(a.name(), b.name());
                });
    }

    @Test
    void registrationAndLoginRejectBadInputWithStableCodes() {
        String name = TestUsers.uniqueName("dup");
        ParleyAccounts rest = users.rest(users.nextServer());
        join(rest.register(name, TestUsers.PASSWORD));
        assertRestFails(users.rest(users.nextServer()).register(name, "another password"), ErrorCode.USERNAME_TAKEN);

        for (String bad : List.of("ab", "Alice", "1alice", "al ice", "alice!", "élise", "a".repeat(33), "")) {
            assertRestFails(rest.register(bad, TestUsers.PASSWORD), ErrorCode.INVALID_USERNAME);
        }
        assertRestFails(rest.register(TestUsers.uniqueName("pw"), "short"), ErrorCode.INVALID_PASSWORD);
        assertRestFails(rest.register(TestUsers.uniqueName("pw"), "        "), ErrorCode.INVALID_PASSWORD);
        assertRestFails(rest.register(TestUsers.uniqueName("pw"), "12345678"), ErrorCode.WEAK_PASSWORD);
        assertRestFails(rest.register(TestUsers.uniqueName("pw"), "Password1"), ErrorCode.WEAK_PASSWORD);

        assertRestFails(rest.login(name, "wrong password", "test"), ErrorCode.BAD_CREDENTIALS);
        assertRestFails(rest.login(TestUsers.uniqueName("ghost"), TestUsers.PASSWORD, "test"), ErrorCode.BAD_CREDENTIALS);
        assertThat(join(rest.login(name, TestUsers.PASSWORD, "test")).token()).isNotBlank();
    }

    @Test
    void failedLoginsMakeTheAccountBackOff() {
        User target = users.register("target");
        // The throttle's state is per chat server: every attempt goes to the same one.
        ParleyAccounts rest = users.rest(users.servers().get(0));
        int allowed = users.deployment().loginFailuresBeforeBackoff();
        for (int i = 0; i < allowed; i++) {
            assertRestFails(rest.login(target.name(), "wrong guess " + i, "test"), ErrorCode.BAD_CREDENTIALS);
        }
        ParleyClientException limited = assertRestFails(rest.login(target.name(), TestUsers.PASSWORD, "test"),
                ErrorCode.RATE_LIMITED);
        assertThat(limited.retryable()).isTrue();
        assertThat(limited.retryAfterMs()).isBetween(1L, 1000L);
    }

    @Test
    void aUserHasAtMostTheConfiguredNumberOfDevices() {
        User many = users.register("many");
        int max = users.deployment().maxDevicesPerUser();
        List<ParleyAccounts.DeviceLogin> logins = new java.util.ArrayList<>();
        for (int i = 0; i < max; i++) {
            logins.add(join(users.rest(users.nextServer()).login(many.name(), TestUsers.PASSWORD, "d" + i)));
        }
        assertRestFails(users.rest(users.nextServer()).login(many.name(), TestUsers.PASSWORD, "one too many"),
                ErrorCode.DEVICE_LIMIT_REACHED);

        ParleyAccounts rest = users.rest(users.nextServer());
        join(rest.revokeDevice(logins.get(0).token(), logins.get(0).device()));
        ParleyAccounts.DeviceLogin again = join(users.rest(users.nextServer())
                .login(many.name(), TestUsers.PASSWORD, "in a freed slot"));
        ParleyAccounts.DeviceLogin replacing = join(users.rest(users.nextServer())
                .login(many.name(), TestUsers.PASSWORD, "in place of the oldest", true));
        List<DeviceInfo> devices = join(rest.devices(replacing.token()));
        assertThat(devices).hasSize(max).extracting(DeviceInfo::device).contains(again.device(), replacing.device())
                .doesNotContain(logins.get(0).device());
    }

    private void sameAsMissing(String conv, Function<String, CompletableFuture<?>> op) {
        ParleyClientException real = assertFails(op.apply(conv), ErrorCode.CONVERSATION_NOT_FOUND);
        ParleyClientException missing = assertFails(op.apply(NO_SUCH_CONVERSATION), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(real.httpStatus()).isEqualTo(missing.httpStatus());
        assertThat(real.getMessage().replace(conv, "<conv>"))
                .as("the message reveals nothing beyond what a missing conversation says")
                .isEqualTo(missing.getMessage().replace(NO_SUCH_CONVERSATION, "<conv>"));
    }

    /** A bad token is refused at the handshake (401), or answered with UNAUTHENTICATED and a close. */
    private void assertRefused(URI server, String token) {
        RawSocket.Attempt attempt = RawSocket.attempt(server, token);
        if (attempt.refused()) {
            assertThat(attempt.refusedStatus()).isEqualTo(401);
            return;
        }
        RawSocket raw = users.track(attempt.socket());
        raw.awaitFrame(0, f -> "UNAUTHENTICATED".equals(f.path("code").asText()), "an UNAUTHENTICATED error");
        assertThat(raw.awaitClose()).as("policy violation").isEqualTo(1008);
        assertThat(raw.frames()).noneMatch(f -> f.path("type").asText().equals("welcome"));
    }
}
