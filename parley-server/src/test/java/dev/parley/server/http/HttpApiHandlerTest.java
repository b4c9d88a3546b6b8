package dev.parley.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import dev.parley.core.ParleySettings;
import dev.parley.core.account.AccountService;
import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.delivery.InProcessRouter;
import dev.parley.core.message.MessageStore;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST handler on an {@code EmbeddedChannel}, with a core over a fake store whose every
 * answer is immediate (so continuations run on the test thread). Paths that need a real store
 * are covered by {@code ParleyServerIntegrationTest}.
 */
class HttpApiHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final Device ALICE_PHONE = new Device("alice", "dev_phone", "phone",
            AccountService.hashToken("good"), Instant.parse("2025-12-01T00:00:00Z"), null, null);
    private static final Device ALICE_LAPTOP = new Device("alice", "dev_laptop", "laptop",
            AccountService.hashToken("other"), Instant.parse("2025-12-02T00:00:00Z"), null, null);

    private final List<String> storeCalls = new ArrayList<>();
    private boolean storeDown;
    private final Parley parley = new Parley(ParleySettings.builder().serverId("test-1").argon2(8, 1).build(),
            store(AccountStore.class), store(dev.parley.core.contact.ContactStore.class),
            store(dev.parley.core.conversation.ConversationStore.class), store(MessageStore.class),
            new InProcessRouter(),
            new InMemoryPresenceRegistry(CLOCK), new dev.parley.push.webhook.WebhookPushSender(
                    new dev.parley.push.webhook.WebhookConfig(java.time.Duration.ofSeconds(1), 1, null),
                    new dev.parley.push.DestinationGuard(List.of(), false, Runnable::run), CLOCK),
            CLOCK, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    private final ServerMetrics metrics = ServerMetrics.prometheus();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final EmbeddedChannel ch = new EmbeddedChannel(new HttpApiHandler(new RestApi(parley,
            new FrameCodec().mapper(), new StaticFiles(getClass().getClassLoader(), "web", Runnable::run),
            shuttingDown::get, null), metrics));

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        parley.close();
        metrics.close();
    }

    @Test
    void healthIsUpWithServerAndSessions() throws Exception {
        Response r = call(HttpMethod.GET, "/health", null, null);
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json()).isEqualTo(JSON.readTree("{\"status\":\"UP\",\"server\":\"test-1\",\"sessions\":0}"));
        assertThat(r.headers.get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
    }

    @Test
    void healthIs503WhileShuttingDownAndTheConnectionCloses() {
        shuttingDown.set(true);
        Response r = call(HttpMethod.GET, "/health", null, null);
        assertThat(r.status).isEqualTo(503);
        assertThat(r.json().get("status").asText()).isEqualTo("SHUTTING_DOWN");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void theWebPushKeyIsServedWithoutATokenOnlyWhenWebPushIsConfigured() throws Exception {
        Response none = call(HttpMethod.GET, "/v1/push/webpush-key", null, null);
        assertThat(none.status).isEqualTo(404);
        assertThat(none.json().at("/error/code").asText()).isEqualTo("WEBPUSH_NOT_CONFIGURED");
        assertThat(none.json().at("/error/retryable").asBoolean()).isFalse();

        String key = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
        EmbeddedChannel withKey = new EmbeddedChannel(new HttpApiHandler(new RestApi(parley,
                new FrameCodec().mapper(), new StaticFiles(getClass().getClassLoader(), "web", Runnable::run),
                shuttingDown::get, key), metrics));
        try {
            withKey.writeInbound(request(HttpMethod.GET, "/v1/push/webpush-key", null, null));
            withKey.runPendingTasks();
            FullHttpResponse res = withKey.readOutbound();
            assertThat(res.status().code()).isEqualTo(200);
            assertThat(JSON.readTree(res.content().toString(StandardCharsets.UTF_8)))
                    .isEqualTo(JSON.readTree("{\"publicKey\":\"" + key + "\"}"));
            res.release();
            withKey.writeInbound(request(HttpMethod.POST, "/v1/push/webpush-key", "{}", null));
            withKey.runPendingTasks();
            FullHttpResponse post = withKey.readOutbound();
            assertThat(post.status().code()).isEqualTo(405);
            post.release();
        } finally {
            withKey.finishAndReleaseAll();
        }
    }

    @Test
    void metricsAreNotServedOnTheApiPort() {
        // They moved to the admin listener (AdminHttpHandler): the API port may be public.
        Response r = call(HttpMethod.GET, "/metrics", null, null);
        assertThat(r.status).isEqualTo(404);
        assertThat(r.body).doesNotContain("jvm_memory_used_bytes");
    }

    @Test
    void unknownApiPathIs404NotFound() {
        Response r = call(HttpMethod.GET, "/v1/nothing/here", null, null);
        assertThat(r.status).isEqualTo(404);
        assertError(r, "NOT_FOUND", false);
    }

    @Test
    void wrongMethodIs405WithAllow() {
        Response r = call(HttpMethod.GET, "/v1/users", null, null);
        assertThat(r.status).isEqualTo(405);
        assertError(r, "METHOD_NOT_ALLOWED", false);
        assertThat(r.headers.get(HttpHeaderNames.ALLOW)).isEqualTo("POST");
    }

    /**
     * Every route's answer to a wrong method, an unknown neighbour and odd spellings of its path,
     * with the route name the request is counted under: what the route table must keep.
     */
    @Test
    void routesKeepTheirStatusAllowHeaderAndMetricName() {
        record Case(HttpMethod method, String uri, int status, String allow, String route) {
        }
        List<Case> cases = List.of(
                new Case(HttpMethod.GET, "/health", 200, null, "/health"),
                new Case(HttpMethod.GET, "//health/", 200, null, "/health"),
                new Case(HttpMethod.HEAD, "/health", 405, "GET", "/health"),
                new Case(HttpMethod.GET, "/v1/users", 405, "POST", "/v1/users"),
                new Case(HttpMethod.PUT, "/v1/sessions", 405, "POST", "/v1/sessions"),
                new Case(HttpMethod.POST, "/v1/devices", 405, "GET", "/v1/devices"),
                new Case(HttpMethod.GET, "/v1/devices/dev_x", 405, "DELETE", "/v1/devices/{deviceId}"),
                new Case(HttpMethod.POST, "/v1/devices/current/push", 405, "PUT, DELETE", "/v1/devices/current/push"),
                new Case(HttpMethod.DELETE, "/v1/push/webpush-key", 405, "GET", "/v1/push/webpush-key"),
                new Case(HttpMethod.POST, "/v1/conversations", 405, "GET", "/v1/conversations"),
                new Case(HttpMethod.DELETE, "/v1/conversations/c1", 405, "GET", "/v1/conversations/{conv}"),
                new Case(HttpMethod.POST, "/v1/conversations/c1/messages", 405, "GET",
                        "/v1/conversations/{conv}/messages"),
                new Case(HttpMethod.PUT, "/v1/users/bob/presence", 405, "GET", "/v1/users/{user}/presence"),
                new Case(HttpMethod.POST, "/v1/contacts", 405, "GET", "/v1/contacts"),
                new Case(HttpMethod.GET, "/v1/contacts/bob", 405, "PUT, DELETE", "/v1/contacts/{user}"),
                new Case(HttpMethod.GET, "/v1/contacts", 401, null, "/v1/contacts"),
                new Case(HttpMethod.GET, "/v1", 404, null, "unknown"),
                new Case(HttpMethod.POST, "/v1/", 404, null, "unknown"),
                new Case(HttpMethod.GET, "/v1/users/bob", 404, null, "unknown"),
                new Case(HttpMethod.GET, "/v1/conversations/c1/members", 404, null, "unknown"),
                new Case(HttpMethod.GET, "/v1/devices/current/push/x", 404, null, "unknown"),
                new Case(HttpMethod.GET, "/v1%2Fusers", 404, null, "static"),
                new Case(HttpMethod.HEAD, "/", 200, null, "static"),
                new Case(HttpMethod.DELETE, "/index.html", 405, "GET, HEAD", "static"),
                new Case(HttpMethod.PUT, "/health/x", 405, "GET, HEAD", "static"));
        for (Case c : cases) {
            String status = Integer.toString(c.status());
            double before = requestsCounted(c.method(), c.route(), status);
            Response r = call(c.method(), c.uri(), null, null);
            assertThat(r.status).as("%s %s", c.method(), c.uri()).isEqualTo(c.status());
            assertThat(r.headers.get(HttpHeaderNames.ALLOW)).as("Allow of %s %s", c.method(), c.uri())
                    .isEqualTo(c.allow());
            assertThat(requestsCounted(c.method(), c.route(), status)).as("counted as %s", c.route())
                    .isEqualTo(before + 1);
        }
    }

    @Test
    void anUnparseableRequestIs400AndCloses() {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad");
        req.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(new IllegalArgumentException("garbage")));
        ch.writeInbound(req);
        ch.runPendingTasks();
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.status().code()).isEqualTo(400);
        assertThat(res.content().toString(StandardCharsets.UTF_8)).contains("\"BAD_REQUEST\"");
        res.release();
        assertThat(requestsCounted(HttpMethod.GET, "invalid", "400")).isEqualTo(1);
        assertThat(ch.isActive()).isFalse();
    }

    private double requestsCounted(HttpMethod method, String route, String status) {
        io.micrometer.core.instrument.Timer t = metrics.registry().find("parley.http.requests")
                .tags("method", method.name(), "route", route, "status", status).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void malformedJsonIs400MalformedFrame() {
        Response r = call(HttpMethod.POST, "/v1/users", "{\"username\":", null);
        assertThat(r.status).isEqualTo(400);
        assertError(r, "MALFORMED_FRAME", false);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aBodyThatIsNotAnObjectIsMalformed() {
        assertError(call(HttpMethod.POST, "/v1/sessions", "[1,2]", null), "MALFORMED_FRAME", false);
        assertError(call(HttpMethod.POST, "/v1/sessions", "", null), "MALFORMED_FRAME", false);
    }

    @Test
    void missingFieldIs400InvalidField() {
        Response r = call(HttpMethod.POST, "/v1/users", "{\"username\":\"alice\"}", null);
        assertThat(r.status).isEqualTo(400);
        assertError(r, "INVALID_FIELD", false);
        assertThat(r.json().at("/error/message").asText()).isEqualTo("password is required");
        assertThat(storeCalls).isEmpty();
    }

    @Test
    void weakPasswordsAre400BeforeAnyStoreCall() {
        assertError(call(HttpMethod.POST, "/v1/users", "{\"username\":\"alice\",\"password\":\"12345678\"}", null),
                "WEAK_PASSWORD", false);
        assertError(call(HttpMethod.POST, "/v1/users", "{\"username\":\"alice\",\"password\":\"        \"}", null),
                "INVALID_PASSWORD", false);
        assertThat(storeCalls).isEmpty();
    }

    @Test
    void replaceOldestMustBeABoolean() {
        Response r = call(HttpMethod.POST, "/v1/sessions",
                "{\"username\":\"alice\",\"password\":\"long enough\",\"replaceOldest\":1}", null);
        assertError(r, "INVALID_FIELD", false);
        assertThat(storeCalls).isEmpty();
    }

    @Test
    void wrongFieldTypeIs400InvalidField() {
        Response r = call(HttpMethod.POST, "/v1/sessions", "{\"username\":\"alice\",\"password\":12345678}", null);
        assertError(r, "INVALID_FIELD", false);
    }

    @Test
    void noTokenIs401WithChallenge() {
        Response r = call(HttpMethod.GET, "/v1/devices", null, null);
        assertThat(r.status).isEqualTo(401);
        assertError(r, "UNAUTHENTICATED", false);
        assertThat(r.headers.get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo("Bearer");
    }

    @Test
    void unknownTokenIs401() {
        assertThat(call(HttpMethod.GET, "/v1/devices", null, "nope").status).isEqualTo(401);
    }

    @Test
    void devicesListMarksTheCurrentOne() throws Exception {
        Response r = call(HttpMethod.GET, "/v1/devices", null, "good");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json()).isEqualTo(JSON.readTree("""
                {"devices":[
                  {"device":"dev_phone","name":"phone","createdAt":1764547200000,"current":true},
                  {"device":"dev_laptop","name":"laptop","createdAt":1764633600000,"current":false}]}
                """));
    }

    @Test
    void revokingADeviceIs204() {
        Response r = call(HttpMethod.DELETE, "/v1/devices/dev_laptop", null, "good");
        assertThat(r.status).isEqualTo(204);
        assertThat(r.body).isEmpty();
        assertThat(storeCalls).contains("deleteDevice");
    }

    @Test
    void conversationsAreListed() throws Exception {
        Response r = call(HttpMethod.GET, "/v1/conversations", null, "good");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json()).isEqualTo(JSON.readTree("{\"conversations\":[]}"));
    }

    @Test
    void historyParametersAreValidatedBeforeAnythingElse() {
        Response r = call(HttpMethod.GET, "/v1/conversations/d:alice:bob/messages?limit=many", null, "good");
        assertError(r, "INVALID_FIELD", false);
        assertThat(r.json().at("/error/message").asText()).contains("limit");
        Response two = call(HttpMethod.GET, "/v1/conversations/d:alice:bob/messages?beforeSeq=5&afterSeq=1", null, "good");
        assertError(two, "INVALID_FIELD", false);
        Response range = call(HttpMethod.GET, "/v1/conversations/d:alice:bob/messages?limit=0", null, "good");
        assertError(range, "INVALID_FIELD", false);
    }

    @Test
    void aStoreOutageIs503Retryable() {
        storeDown = true;
        Response r = call(HttpMethod.GET, "/v1/devices", null, "good");
        assertThat(r.status).isEqualTo(503);
        assertError(r, "UNAVAILABLE", true);
    }

    @Test
    void pushRegistrationNeedsProviderAndTarget() {
        Response r = call(HttpMethod.PUT, "/v1/devices/current/push", "{\"provider\":\"webhook\"}", "good");
        assertError(r, "INVALID_FIELD", false);
        Response bad = call(HttpMethod.PUT, "/v1/devices/current/push",
                "{\"provider\":\"webhook\",\"target\":\"ftp://x\"}", "good");
        assertError(bad, "INVALID_FIELD", false);
        Response ok = call(HttpMethod.PUT, "/v1/devices/current/push",
                "{\"provider\":\"webhook\",\"target\":\"https://push.example/x\"}", "good");
        assertThat(ok.status).isEqualTo(204);
        Response metadata = call(HttpMethod.PUT, "/v1/devices/current/push",
                "{\"provider\":\"webhook\",\"target\":\"http://169.254.169.254/latest/meta-data/\"}", "good");
        assertError(metadata, "INVALID_FIELD", false);
        Response unknown = call(HttpMethod.PUT, "/v1/devices/current/push",
                "{\"provider\":\"apns\",\"target\":\"abcd\"}", "good");
        assertError(unknown, "INVALID_FIELD", false);
        assertThat(call(HttpMethod.DELETE, "/v1/devices/current/push", null, "good").status).isEqualTo(204);
    }

    @Test
    void staticFilesComeFromTheWebFolder() {
        Response index = call(HttpMethod.GET, "/", null, null);
        assertThat(index.status).isEqualTo(200);
        assertThat(index.headers.get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
        assertThat(index.body).contains("parley-test-index");
        assertThat(index.headers.get("Content-Security-Policy")).contains("script-src 'self'", "connect-src 'self'");
        assertThat(index.headers.get("Referrer-Policy")).isEqualTo("no-referrer");
        Response css = call(HttpMethod.GET, "/css/app.css", null, null);
        assertThat(css.status).isEqualTo(200);
        assertThat(css.headers.get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/css; charset=utf-8");
    }

    @Test
    void missingStaticFilesAndTraversalAre404() {
        assertThat(call(HttpMethod.GET, "/nope.js", null, null).status).isEqualTo(404);
        assertThat(call(HttpMethod.GET, "/../logback-test.xml", null, null).status).isEqualTo(404);
        assertThat(call(HttpMethod.GET, "/css/..%2F..%2Flogback-test.xml", null, null).status).isEqualTo(404);
        assertThat(call(HttpMethod.GET, "/css", null, null).status).isEqualTo(404);
        assertThat(call(HttpMethod.POST, "/index.html", "{}", null).status).isEqualTo(405);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        // As in the server: HttpExchangeControl hands the handler one request at a time.
        EmbeddedChannel piped = new EmbeddedChannel(new HttpExchangeControl(new HttpExchangeControl.Settings(
                java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30), 16, () -> false, null, metrics)),
                new HttpApiHandler(new RestApi(parley, new FrameCodec().mapper(),
                        new StaticFiles(getClass().getClassLoader(), "web", Runnable::run), shuttingDown::get, null),
                        metrics));
        piped.writeInbound(request(HttpMethod.GET, "/health", null, null), request(HttpMethod.GET, "/v1/x", null, null),
                request(HttpMethod.GET, "/v1/devices", null, "good"), request(HttpMethod.GET, "/index.html", null, null));
        piped.runPendingTasks();
        List<Integer> statuses = new ArrayList<>();
        List<String> cacheControl = new ArrayList<>();
        FullHttpResponse res;
        while ((res = piped.readOutbound()) != null) {
            statuses.add(res.status().code());
            cacheControl.add(res.headers().get(HttpHeaderNames.CACHE_CONTROL));
            res.release();
        }
        assertThat(statuses).containsExactly(200, 404, 200, 200);
        assertThat(cacheControl).containsExactly("no-store", "no-store", "no-store", "no-cache");
        piped.finishAndReleaseAll();
    }

    @Test
    void connectionCloseIsHonoured() {
        FullHttpRequest req = request(HttpMethod.GET, "/health", null, null);
        req.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeInbound(req);
        ch.runPendingTasks();
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        res.release();
        assertThat(ch.isActive()).isFalse();
    }

    // ---- helpers --------------------------------------------------------------------------

    private record Response(int status, io.netty.handler.codec.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private Response call(HttpMethod method, String uri, String body, String token) {
        ch.writeInbound(request(method, uri, body, token));
        ch.runPendingTasks();
        FullHttpResponse res = ch.readOutbound();
        assertThat(res).as("response to %s %s", method, uri).isNotNull();
        try {
            return new Response(res.status().code(), res.headers(), res.content().toString(StandardCharsets.UTF_8));
        } finally {
            res.release();
        }
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String body, String token) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
        if (token != null) {
            req.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        return req;
    }

    private static void assertError(Response r, String code, boolean retryable) {
        JsonNode e = r.json().get("error");
        assertThat(e).as("error body of %s", r.body).isNotNull();
        assertThat(e.get("code").asText()).isEqualTo(code);
        assertThat(e.get("message").asText()).isNotBlank();
        assertThat(e.get("retryable").asBoolean()).isEqualTo(retryable);
        if (!code.equals("NOT_FOUND") && !code.equals("METHOD_NOT_ALLOWED")) {
            assertThat(r.status).isEqualTo(ErrorCode.valueOf(code).httpStatus());
        }
    }

    /** A store that answers at once: alice's two devices, no conversations; or fails when {@link #storeDown}. */
    private <T> T store(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            switch (m.getName()) {
                case "toString":
                    return "fake " + type.getSimpleName();
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    break;
            }
            storeCalls.add(m.getName());
            if (storeDown) {
                return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE, "store down"));
            }
            return switch (m.getName()) {
                case "findDeviceByTokenHash" -> CompletableFuture.completedFuture(
                        Optional.ofNullable(args[0].equals(ALICE_PHONE.tokenHash()) ? ALICE_PHONE : null));
                case "devicesOf" -> CompletableFuture.completedFuture(List.of(ALICE_PHONE, ALICE_LAPTOP));
                case "deleteDevice" -> CompletableFuture.completedFuture(true);
                case "putDevice" -> CompletableFuture.completedFuture(null);
                case "addDevice" -> CompletableFuture.completedFuture(true);
                case "conversationsOf" -> CompletableFuture.completedFuture(List.of());
                default -> CompletableFuture.failedFuture(
                        new UnsupportedOperationException("fake store: " + m.getName()));
            };
        }));
    }
}
