package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract: bad input over a raw WebSocket. Malformed, unknown, invalid, oversized and too frequent
 * requests get an {@code error} frame with a stable code, a readable message and the request's id
 * where it could be read; nothing is stored for them; and the same connection keeps working
 * (a {@code ping} gets its {@code pong} and a valid send is stored). Only what RFC 6455 forbids
 * (invalid UTF-8) and frames far beyond the limit close the connection.
 */
public abstract class BadInputContract extends ContractSupport {
    private Device alice;
    private Client bob;
    private String conv;
    private RawSocket raw;

    @BeforeEach
    void connect() {
        alice = users.newDevice("alice");
        bob = users.newClient("bob");
        conv = join(bob.sdk().openDirect(alice.name())).conv();
        raw = users.raw(alice);
        JsonNode welcome = raw.frames().get(0);
        assertThat(welcome.path("type").asText()).isEqualTo("welcome");
        assertThat(welcome.path("user").asText()).isEqualTo(alice.name());
    }

    @Test
    void malformedJsonIsAnsweredWithMalformedFrame() {
        for (String text : List.of("{\"type\":\"ping\",\"id\":", "not json at all", "[1,2,3]", "\"a string\"", "42",
                "null", "{\"type\":\"ping\",\"id\":\"t\"} {\"type\":\"ping\",\"id\":\"u\"}", "")) {
            int mark = raw.mark();
            raw.sendText(text);
            JsonNode err = raw.awaitFrame(mark, f -> f.path("type").asText().equals("error"), "an error for " + text);
            assertError(err, "MALFORMED_FRAME", null);
            assertStillUsable();
        }
    }

    @Test
    void unknownTypesAreAnsweredWithUnknownTypeAndTheirId() {
        assertError(raw.request(RawSocket.object().put("type", "frobnicate").put("id", "u-1")), "UNKNOWN_TYPE", "u-1");
        assertError(raw.request(RawSocket.object().put("id", "u-2")), "UNKNOWN_TYPE", "u-2");
        assertError(raw.request(RawSocket.object().put("type", 7).put("id", "u-3")), "UNKNOWN_TYPE", "u-3");
        assertStillUsable();
    }

    @Test
    void missingOrWrongTypedFieldsAreAnsweredWithInvalidFieldAndTheirId() {
        assertError(raw.request(RawSocket.object().put("type", "send").put("id", "f-1").put("conv", conv)
                .put("clientMsgId", "c1")), "INVALID_FIELD", "f-1");
        assertError(raw.request(RawSocket.object().put("type", "send").put("id", "f-2").put("conv", conv)
                .put("body", "no client id")), "INVALID_FIELD", "f-2");
        assertError(raw.request(RawSocket.object().put("type", "ack").put("id", "f-3").put("upTo", "ten")),
                "INVALID_FIELD", "f-3");
        assertError(raw.request(RawSocket.object().put("type", "read").put("id", "f-4").put("conv", conv)
                .put("upTo", 1.5)), "INVALID_FIELD", "f-4");
        ObjectNode members = RawSocket.object().put("type", "create_group").put("id", "f-5").put("name", "x")
                .put("members", bob.name());
        assertError(raw.request(members), "INVALID_FIELD", "f-5");
        assertError(raw.request(RawSocket.object().put("type", "history").put("id", "f-6").put("conv", conv)
                .put("beforeSeq", 5).put("afterSeq", 1)), "INVALID_FIELD", "f-6");
        assertError(raw.request(RawSocket.object().put("type", "history").put("id", "f-7").put("conv", conv)
                .put("limit", 0)), "INVALID_FIELD", "f-7");
        assertError(raw.request(RawSocket.object().put("type", "typing").put("id", "f-8").put("conv", conv)
                .put("state", "dancing")), "INVALID_FIELD", "f-8");
        assertError(raw.request(RawSocket.object().put("type", "read").put("id", "f-9").put("conv", conv)
                .put("upTo", -1)), "INVALID_FIELD", "f-9");
        // A lone surrogate is not Unicode: it could not be stored as sent, and two client ids
        // differing only there would collide once stored.
        raw.sendText("{\"type\":\"send\",\"id\":\"f-10\",\"conv\":\"" + conv
                + "\",\"clientMsgId\":\"c10\",\"body\":\"half \\uD83D of an emoji\"}");
        assertError(raw.awaitReply("f-10"), "INVALID_FIELD", "f-10");
        raw.sendText("{\"type\":\"send\",\"id\":\"f-11\",\"conv\":\"" + conv
                + "\",\"clientMsgId\":\"c\\uDE00\",\"body\":\"x\"}");
        assertError(raw.awaitReply("f-11"), "INVALID_FIELD", "f-11");

        int mark = raw.mark();
        raw.sendText("{\"type\":\"ping\"}");
        assertError(raw.awaitFrame(mark, f -> f.path("type").asText().equals("error"), "an error for a ping without id"),
                "INVALID_FIELD", null);
        assertError(raw.request(RawSocket.object().put("type", "ping").put("id", "")), "INVALID_FIELD", "");
        String longId = "i".repeat(65);
        assertError(raw.request(RawSocket.object().put("type", "ping").put("id", longId)), "INVALID_FIELD", longId);
        mark = raw.mark();
        raw.sendText("{\"type\":\"ping\",\"id\":42}");
        assertError(raw.awaitFrame(mark, f -> f.path("type").asText().equals("error"), "an error for a numeric id"),
                "INVALID_FIELD", null);
        assertThat(lastSeq()).as("nothing was stored").isZero();
        assertStillUsable();
    }

    @Test
    void requestsThatBreakTheSessionRulesAreRefusedAndHarmless() {
        assertError(raw.request(RawSocket.frame("auth").put("token", alice.token())), "INVALID_FIELD", null);
        JsonNode beyondHead = raw.request(RawSocket.frame("sync").put("after", 1_000_000));
        assertThat(beyondHead.path("type").asText()).as("sync beyond the inbox head").isEqualTo("error");
        assertThat(beyondHead.path("code").asText()).isEqualTo("INVALID_FIELD");
        assertThat(raw.request(RawSocket.frame("sync")).path("type").asText()).as("a valid sync still works")
                .isEqualTo("synced");
        assertError(raw.request(RawSocket.frame("sync")), "INVALID_FIELD", null);
        assertError(raw.request(RawSocket.frame("ack").put("upTo", 1_000_000)), "INVALID_FIELD", null);
        assertThat(raw.request(RawSocket.frame("ack").put("upTo", 0)).path("type").asText()).isEqualTo("ok");
        assertStillUsable();
    }

    @Test
    void anOversizedFrameIsAnsweredWithFrameTooLarge() {
        int max = limits().maxFrameBytes();
        ObjectNode big = send("too big", "x".repeat(max + 100));
        int mark = raw.mark();
        raw.send(big);
        JsonNode err = raw.awaitFrame(mark, f -> f.path("type").asText().equals("error"), "FRAME_TOO_LARGE");
        assertError(err, "FRAME_TOO_LARGE", null);
        assertThat(lastSeq()).as("nothing was stored").isZero();
        assertStillUsable();
        // "still usable", sent after the oversized frame on the same connection, is the sentinel.
        eventually().untilAsserted(() -> assertThat(bob.events().bodies(conv)).contains("still usable"));
        assertThat(bob.events().messages(conv)).extracting(MessageView::body).containsExactly("still usable");
    }

    @Test
    void aFrameFarBeyondTheLimitClosesTheConnectionWithMessageTooBig() {
        int max = limits().maxFrameBytes();
        raw.sendText("{\"type\":\"ping\",\"id\":\"huge\",\"pad\":\"" + "x".repeat(4 * max + 10) + "\"}");
        assertThat(raw.awaitClose()).isEqualTo(1009);
        assertThat(lastSeq()).isZero();
    }

    @Test
    void aTooLargeBodyIsRejectedAndNothingIsStored() {
        int maxBody = limits().maxBodyBytes();
        JsonNode atLimit = raw.request(send("at-limit", "a".repeat(maxBody)));
        assertThat(atLimit.path("type").asText()).as("a body of exactly the limit is fine").isEqualTo("sent");
        assertThat(atLimit.path("seq").asLong()).isEqualTo(1);

        ObjectNode over = send("over-limit", "a".repeat(maxBody + 1));
        assertError(raw.request(over), "MESSAGE_TOO_LARGE", over.path("id").asText());
        // the limit counts UTF-8 bytes, not characters
        ObjectNode wide = send("wide", "é".repeat(maxBody / 2 + 1));
        assertError(raw.request(wide), "MESSAGE_TOO_LARGE", wide.path("id").asText());

        assertThat(lastSeq()).as("only the message at the limit was stored").isEqualTo(1);
        JsonNode next = raw.request(send("after", "fine"));
        assertThat(next.path("seq").asLong()).as("no sequence number was used up").isEqualTo(2);
        // "fine", sent after the refused bodies on the same connection, is the sentinel.
        eventually().untilAsserted(() -> assertThat(bob.events().bodies(conv)).contains("fine"));
        assertThat(bob.events().bodies(conv)).containsExactly("a".repeat(maxBody), "fine");
        assertThat(bob.events().seqs(conv)).containsExactly(1L, 2L);
        assertThat(join(bob.sdk().history(conv, HistoryRequest.latest(10))).messages()).extracting(MessageView::seq)
                .containsExactly(1L, 2L);
    }

    @Test
    void invalidUtf8ClosesTheConnectionWith1007() throws Exception {
        Device other = users.login(alice.user());
        Rfc6455Probe.Outcome outcome = Rfc6455Probe.sendText(other.server(), other.token(), new byte[] {(byte) 0xC3, 0x28},
                TIMEOUT);
        assertThat(outcome.closeStatus()).isEqualTo(1007);
        assertStillUsable();
    }

    @Test
    void closeStatusesAPeerMayNotSendFailTheConnectionWith1002() throws Exception {
        Device other = users.login(alice.user());
        // RFC 6455 7.4: 1004-1006 and 1015 are never sent, 5000 and above are not defined.
        for (int status : new int[] {999, 1004, 1005, 1006, 1015, 2999, 5000, 65_535}) {
            assertThat(Rfc6455Probe.exchange(other.server(), other.token(), false,
                    List.of(Rfc6455Probe.closeFrame(status)), Integer.MAX_VALUE, TIMEOUT).closeStatus())
                    .as("answer to close %d", status).isEqualTo(1002);
        }
        for (int status : new int[] {1000, 1001, 3000, 4999}) {
            assertThat(Rfc6455Probe.exchange(other.server(), other.token(), false,
                    List.of(Rfc6455Probe.closeFrame(status)), Integer.MAX_VALUE, TIMEOUT).closeStatus())
                    .as("answer to close %d", status).isEqualTo(status);
        }
        assertStillUsable();
    }

    @Test
    void framesRightBehindTheUpgradeAreAnsweredAfterWelcome() throws Exception {
        Device other = users.login(alice.user());
        List<byte[]> pings = List.of(
                Rfc6455Probe.maskedFrame(0x1, "{\"type\":\"ping\",\"id\":\"early-1\"}".getBytes(StandardCharsets.UTF_8)),
                Rfc6455Probe.maskedFrame(0x1, "{\"type\":\"ping\",\"id\":\"early-2\"}".getBytes(StandardCharsets.UTF_8)));
        Rfc6455Probe.Outcome outcome = Rfc6455Probe.exchange(other.server(), other.token(), true, pings, 3, TIMEOUT);
        assertThat(outcome.texts()).hasSize(3);
        assertThat(outcome.texts().get(0)).as("the first frame").contains("\"type\":\"welcome\"");
        assertThat(outcome.texts().get(1)).contains("\"type\":\"pong\"", "\"early-1\"");
        assertThat(outcome.texts().get(2)).contains("\"type\":\"pong\"", "\"early-2\"");
    }

    @Test
    void floodingIsAnsweredWithRateLimitedAndTheConnectionSurvives() {
        Deployment.Limits l = limits();
        int n = l.rateLimitBurst() + 2 * l.rateLimitPerSecond() + 50;
        assumeTrue(n <= 20_000, "rate limit too high to flood cheaply: " + l);
        int mark = raw.mark();
        for (int i = 0; i < n; i++) {
            raw.sendText("{\"type\":\"ping\",\"id\":\"flood-" + i + "\"}");
        }
        JsonNode limited = raw.awaitFrame(mark, f -> "RATE_LIMITED".equals(f.path("code").asText()), "RATE_LIMITED");
        assertThat(limited.path("retryable").asBoolean()).isTrue();
        assertThat(limited.path("id").asText()).startsWith("flood-");
        assertThat(limited.path("message").asText()).isNotBlank();
        assertThat(raw.isClosed()).isFalse();
        eventually().until(() -> raw.request(RawSocket.frame("ping")).path("type").asText().equals("pong"));
        assertStillUsable();
        assertThat(raw.frames(mark, f -> f.path("type").asText().equals("pong") && f.path("id").asText().startsWith("flood-")))
                .as("not every flood frame was served").hasSizeLessThan(n);
    }

    @Test
    void aBinaryFrameIsAnsweredWithUnknownTypeAndNotProcessed() {
        int mark = raw.mark();
        raw.sendBinary("{\"type\":\"ping\",\"id\":\"bin\"}".getBytes(StandardCharsets.UTF_8));
        JsonNode err = raw.awaitFrame(mark, f -> f.path("type").asText().equals("error"), "an error for a binary frame");
        assertError(err, "UNKNOWN_TYPE", null);
        assertStillUsable();
        assertThat(raw.frames(mark, f -> "bin".equals(f.path("id").asText()))).as("the binary ping was not served")
                .isEmpty();
    }

    @Test
    void badRestRequestsGetStableCodesAndStoreNothing() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = alice.server().toString().replaceAll("/+$", "");
        String messages = base + "/v1/conversations/" + URLEncoder.encode(conv, StandardCharsets.UTF_8) + "/messages";

        assertRestError(http, HttpRequest.newBuilder(URI.create(base + "/v1/users"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")), 400, "MALFORMED_FRAME");
        assertRestError(http, HttpRequest.newBuilder(URI.create(base + "/v1/users"))
                .POST(HttpRequest.BodyPublishers.ofString("[1,2]")), 400, "MALFORMED_FRAME");
        assertRestError(http, HttpRequest.newBuilder(URI.create(base + "/v1/users"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":5,\"password\":\"long enough\"}")),
                400, "INVALID_FIELD");
        assertRestError(http, HttpRequest.newBuilder(URI.create(messages + "?limit=abc"))
                .header("Authorization", "Bearer " + alice.token()).GET(), 400, "INVALID_FIELD");
        assertRestError(http, HttpRequest.newBuilder(URI.create(messages + "?beforeSeq=5&afterSeq=1"))
                .header("Authorization", "Bearer " + alice.token()).GET(), 400, "INVALID_FIELD");
        assertRestError(http, HttpRequest.newBuilder(URI.create(messages + "?limit=0"))
                .header("Authorization", "Bearer " + alice.token()).GET(), 400, "INVALID_FIELD");
        assertRestError(http, HttpRequest.newBuilder(URI.create(messages))
                .header("Authorization", "Bearer " + alice.token()).DELETE(), 405, null);
        assertRestError(http, HttpRequest.newBuilder(URI.create(base + "/v1/no-such-thing"))
                .header("Authorization", "Bearer " + alice.token()).GET(), 404, null);
        HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/users"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + "a".repeat(2 << 20) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).as("an oversized REST body").isEqualTo(413);

        assertThat(lastSeq()).isZero();
        assertStillUsable();
    }

    private static void assertRestError(HttpClient http, HttpRequest.Builder request, int status, String code)
            throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s", r.request().method(), r.uri()).isEqualTo(status);
        JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("error");
        assertThat(error.path("code").asText()).as("error code in %s", r.body()).isNotBlank();
        assertThat(error.path("message").asText()).as("readable message in %s", r.body()).isNotBlank();
        if (code != null) {
            assertThat(error.path("code").asText()).isEqualTo(code);
        }
    }

    private ObjectNode send(String cmid, String body) {
        return RawSocket.frame("send").put("conv", conv).put("clientMsgId", cmid + "-" + TestUsers.uniqueName("c"))
                .put("body", body);
    }

    private long lastSeq() {
        return join(bob.sdk().history(conv, HistoryRequest.latest(1))).messages().stream()
                .mapToLong(MessageView::seq).max().orElse(0);
    }

    /** A ping on the same connection gets its pong, and a valid send is stored. */
    private void assertStillUsable() {
        ObjectNode ping = RawSocket.frame("ping");
        JsonNode pong = raw.request(ping);
        assertThat(pong.path("type").asText()).isEqualTo("pong");
        assertThat(pong.path("id").asText()).isEqualTo(ping.path("id").asText());
        JsonNode sent = raw.request(send("usable", "still usable"));
        assertThat(sent.path("type").asText()).isEqualTo("sent");
        assertThat(sent.path("seq").asLong()).isPositive();
    }

    private static void assertError(JsonNode frame, String code, String id) {
        assertThat(frame.path("type").asText()).as("frame %s", frame).isEqualTo("error");
        assertThat(frame.path("code").asText()).as("frame %s", frame).isEqualTo(code);
        assertThat(frame.path("message").asText()).as("a readable message in %s", frame).isNotBlank();
        assertThat(frame.path("retryable").asBoolean()).as("retryable in %s", frame).isFalse();
        if (id != null) {
            assertThat(frame.path("id").asText()).as("id echoed in %s", frame).isEqualTo(id);
        }
    }
}
