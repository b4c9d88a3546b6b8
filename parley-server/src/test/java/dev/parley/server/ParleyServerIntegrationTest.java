package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.server.config.ServerConfig;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole server on an ephemeral port with the embedded store in a temporary directory,
 * driven over real sockets by {@code java.net.http}'s HTTP and WebSocket clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParleyServerIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FRAME = 4096;

    @TempDir
    static Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ParleyServer server;
    private String aliceToken;
    private String bobToken;

    @BeforeAll
    void start() throws Exception {
        server = ParleyServer.start(config(tmp.resolve("shared")));
        assertThat(server.port()).isPositive();
        assertThat(server.listenUrl()).isEqualTo("http://127.0.0.1:" + server.port());
        assertThat(post("/v1/users", "{\"username\":\"alice\",\"password\":\"alice-secret\"}", null).statusCode())
                .isEqualTo(201);
        assertThat(post("/v1/users", "{\"username\":\"bob\",\"password\":\"bob-secret\"}", null).statusCode())
                .isEqualTo(201);
        aliceToken = login("alice", "alice-secret");
        bobToken = login("bob", "bob-secret");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Cheap password hashing, small frames (so oversize tests stay small), a short grace. */
    private static ServerConfig config(Path dataDir) {
        ServerConfig base = ServerConfig.load(null, Map.of(
                "PARLEY_SERVER_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME),
                "PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "1",
                "PARLEY_LIMITS_MAX_BODY_BYTES", "1024",
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1"));
        return base.withPort(0).withDataDir(dataDir);
    }

    // ---- REST ------------------------------------------------------------------------------

    @Test
    void registrationAndLoginErrorsHaveStableCodes() throws Exception {
        HttpResponse<String> taken = post("/v1/users", "{\"username\":\"alice\",\"password\":\"another-long-one\"}", null);
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(taken.body()).at("/error/code").asText()).isEqualTo("USERNAME_TAKEN");
        HttpResponse<String> wrong = post("/v1/sessions", "{\"username\":\"alice\",\"password\":\"nope-nope\"}", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrong.body()).at("/error/code").asText()).isEqualTo("BAD_CREDENTIALS");
        HttpResponse<String> garbage = post("/v1/sessions", "{nope", null);
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(garbage.body()).at("/error/code").asText()).isEqualTo("MALFORMED_FRAME");
    }

    @Test
    void devicesShowTheCurrentOne() throws Exception {
        JsonNode devices = JSON.readTree(get("/v1/devices", bobToken).body()).get("devices");
        assertThat(devices).hasSize(1);
        assertThat(devices.get(0).get("current").asBoolean()).isTrue();
        assertThat(devices.get(0).get("createdAt").asLong()).isPositive();
        assertThat(get("/v1/devices", "not-a-token").statusCode()).isEqualTo(401);
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode h = JSON.readTree(health.body());
        assertThat(h.get("status").asText()).isEqualTo("UP");
        assertThat(h.get("server").asText()).isEqualTo(server.parley().serverId());
        assertThat(h.get("sessions").isInt()).isTrue();

        try (WsClient ws = connect("/ws", aliceToken)) {
            ws.next("welcome");
            ws.send("{broken");
            ws.next("error");
            ws.send("{\"type\":\"ping\",\"id\":\"p1\"}");
            ws.next("pong");
            assertThat(get("/metrics", null).statusCode()).as("/metrics on the API port").isEqualTo(404);
            assertThat(server.adminUrl()).startsWith("http://127.0.0.1:").isNotEqualTo(server.listenUrl());
            HttpResponse<String> metrics = get(server.adminUrl(), "/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("parley_ws_frames_in_total")
                    .contains("parley_ws_frames_out_total")
                    .containsPattern("parley_errors_total\\{code=\"MALFORMED_FRAME\"} [1-9]")
                    .contains("parley_ws_connections")
                    .contains("parley_sessions")
                    .contains("parley_http_requests_seconds_count")
                    .contains("jvm_memory_used_bytes");
            // The pong is flushed, then timed: the series shows the ping answered above.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get(server.adminUrl(), "/metrics", null)
                    .body()).containsPattern("parley_ws_heartbeat_reply_seconds_count [1-9]")
                    .contains("parley_ws_heartbeat_reply_seconds_bucket{le="));
        }
    }

    // ---- WebSocket authentication ---------------------------------------------------------

    @Test
    void headerTokenGetsWelcome() throws Exception {
        try (WsClient ws = connect("/ws", aliceToken)) {
            JsonNode welcome = ws.next();
            assertThat(welcome.get("type").asText()).isEqualTo("welcome");
            assertThat(welcome.get("user").asText()).isEqualTo("alice");
            assertThat(welcome.get("protocol").asInt()).isEqualTo(1);
        }
    }

    @Test
    void queryTokenGetsWelcome() throws Exception {
        try (WsClient ws = connect("/ws?v=1&token=" + URLEncoder.encode(bobToken, StandardCharsets.UTF_8), null)) {
            assertThat(ws.next().get("user").asText()).isEqualTo("bob");
        }
    }

    @Test
    void firstFrameAuthGetsWelcome() throws Exception {
        try (WsClient ws = connect("/ws", null)) {
            ws.send("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"" + aliceToken + "\"}");
            JsonNode welcome = ws.next();
            assertThat(welcome.get("type").asText()).isEqualTo("welcome");
            assertThat(welcome.get("user").asText()).isEqualTo("alice");
        }
    }

    @Test
    void aFirstFrameThatIsNotAuthClosesWith1008() throws Exception {
        try (WsClient ws = connect("/ws", null)) {
            ws.send("{\"type\":\"ping\",\"id\":\"p1\"}");
            JsonNode error = ws.next();
            assertThat(error.get("code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(error.get("id").asText()).isEqualTo("p1");
            assertThat(ws.awaitClose().status()).isEqualTo(1008);
        }
    }

    @Test
    void aBadHeaderTokenClosesWith1008() throws Exception {
        try (WsClient ws = connect("/ws", "forged")) {
            assertThat(ws.next().get("code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(ws.awaitClose().status()).isEqualTo(1008);
        }
    }

    // ---- bad input keeps the connection --------------------------------------------------

    @Test
    void badInputGetsErrorsAndTheConnectionStaysUsable() throws Exception {
        try (WsClient ws = connect("/ws", aliceToken)) {
            ws.next("welcome");

            ws.send("this is not json");
            JsonNode malformed = ws.next();
            assertThat(malformed.get("type").asText()).isEqualTo("error");
            assertThat(malformed.get("code").asText()).isEqualTo("MALFORMED_FRAME");

            ws.send("{\"type\":\"teleport\",\"id\":\"t1\"}");
            JsonNode unknown = ws.next();
            assertThat(unknown.get("code").asText()).isEqualTo("UNKNOWN_TYPE");
            assertThat(unknown.get("id").asText()).isEqualTo("t1");

            ws.send("{\"type\":\"ping\",\"id\":\"" + "x".repeat(MAX_FRAME + 10) + "\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("FRAME_TOO_LARGE");

            ws.sendBinary(new byte[] {1, 2, 3});
            JsonNode binary = ws.next();
            assertThat(binary.get("code").asText()).isEqualTo("UNKNOWN_TYPE");
            assertThat(binary.get("message").asText()).contains("binary");

            ws.send("{\"type\":\"ping\",\"id\":\"still-here\"}");
            JsonNode pong = ws.next("pong");
            assertThat(pong.get("id").asText()).isEqualTo("still-here");
            assertThat(ws.isOpen()).isTrue();
        }
    }

    @Test
    void aMessageAboveFourTimesTheLimitClosesWith1009() throws Exception {
        try (WsClient ws = connect("/ws", aliceToken)) {
            ws.next("welcome");
            ws.send("x".repeat(4 * MAX_FRAME + 1));
            assertThat(ws.awaitClose().status()).isEqualTo(1009);
        }
    }

    // ---- messaging through the whole stack -----------------------------------------------

    @Test
    void aMessageTravelsFromAliceToBobAndShowsInHistory() throws Exception {
        String conv;
        try (WsClient alice = connect("/ws", aliceToken)) {
            alice.next("welcome");
            alice.send("{\"type\":\"open_direct\",\"id\":\"o1\",\"user\":\"bob\"}");
            JsonNode reply = alice.next("conversation");
            conv = reply.at("/conversation/conv").asText();
            assertThat(conv).isNotEmpty();
            alice.send("{\"type\":\"send\",\"id\":\"s1\",\"conv\":\"" + conv
                    + "\",\"clientMsgId\":\"c-1\",\"body\":\"hi bob\"}");
            JsonNode sent = alice.next("sent");
            assertThat(sent.get("id").asText()).isEqualTo("s1");
            assertThat(sent.get("seq").asLong()).isPositive();
        }
        try (WsClient bob = connect("/ws", bobToken)) {
            bob.next("welcome");
            bob.send("{\"type\":\"sync\",\"id\":\"y1\"}");
            JsonNode message = bob.next("message");
            assertThat(message.at("/message/body").asText()).isEqualTo("hi bob");
            assertThat(message.at("/message/from").asText()).isEqualTo("alice");
            assertThat(bob.next("synced").get("id").asText()).isEqualTo("y1");
        }
        JsonNode conversations = JSON.readTree(get("/v1/conversations", aliceToken).body()).get("conversations");
        assertThat(conversations.findValuesAsText("conv")).contains(conv);
        HttpResponse<String> history = get("/v1/conversations/" + URLEncoder.encode(conv, StandardCharsets.UTF_8)
                + "/messages?limit=10", bobToken);
        assertThat(history.statusCode()).isEqualTo(200);
        JsonNode page = JSON.readTree(history.body());
        assertThat(page.has("type")).isFalse();
        assertThat(page.has("id")).isFalse();
        assertThat(page.get("conv").asText()).isEqualTo(conv);
        assertThat(page.get("messages").findValuesAsText("body")).contains("hi bob");
        HttpResponse<String> presence = get("/v1/users/alice/presence", bobToken);
        assertThat(presence.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(presence.body()).get("user").asText()).isEqualTo("alice");
    }

    // ---- lifecycle ------------------------------------------------------------------------

    @Test
    void gracefulCloseSendsReconnectKeepsAcknowledgedSendsAndIsIdempotent() throws Exception {
        Path dir = tmp.resolve("lifecycle");
        ParleyServer own = ParleyServer.start(config(dir));
        String base = own.listenUrl();
        post(base, "/v1/users", "{\"username\":\"carol\",\"password\":\"carol-secret\"}", null);
        post(base, "/v1/users", "{\"username\":\"dave\",\"password\":\"dave-secret\"}", null);
        String carol = JSON.readTree(post(base, "/v1/sessions",
                "{\"username\":\"carol\",\"password\":\"carol-secret\"}", null).body()).get("token").asText();
        String conv;
        try (WsClient ws = WsClient.connect(http, URI.create(base.replace("http", "ws") + "/ws"),
                Map.of("Authorization", "Bearer " + carol))) {
            ws.next("welcome");
            ws.send("{\"type\":\"open_direct\",\"id\":\"o1\",\"user\":\"dave\"}");
            conv = ws.next("conversation").at("/conversation/conv").asText();
            ws.send("{\"type\":\"send\",\"id\":\"s1\",\"conv\":\"" + conv
                    + "\",\"clientMsgId\":\"c-1\",\"body\":\"before shutdown\"}");
            ws.next("sent");

            own.close();

            JsonNode reconnect = ws.next("reconnect");
            assertThat(reconnect.get("retryAfterMs").asLong()).isBetween(0L, 1_000L);
            assertThat(ws.awaitClose().status()).isEqualTo(1001);
        }
        own.close(); // idempotent
        own.awaitShutdown();
        assertThat(own.isShuttingDown()).isTrue();
        try {
            http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("the server still answers after close");
        } catch (ConnectException expected) {
            // stopped accepting
        }

        ParleyServer again = ParleyServer.start(config(dir));
        try {
            HttpResponse<String> history = get(again.listenUrl(),
                    "/v1/conversations/" + URLEncoder.encode(conv, StandardCharsets.UTF_8) + "/messages", carol);
            assertThat(history.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(history.body()).get("messages").findValuesAsText("body"))
                    .containsExactly("before shutdown");
        } finally {
            again.close();
        }
    }

    @Test
    void readerIdleClosesWith1001ButWebSocketPingsKeepAConnectionAlive() throws Exception {
        ServerConfig base = config(tmp.resolve("idle"));
        ServerConfig.Server s = base.server();
        ParleyServer own = ParleyServer.start(base.withServer(new ServerConfig.Server(s.id(), s.host(), 0, s.tls(),
                s.maxFrameBytes(), 5, s.shutdownGraceSeconds())));
        java.util.concurrent.ScheduledExecutorService pings = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            post(own.listenUrl(), "/v1/users", "{\"username\":\"idle\",\"password\":\"idle-secret\"}", null);
            // Two devices: a second connection of one device would replace the first.
            String[] tokens = new String[2];
            for (int i = 0; i < 2; i++) {
                tokens[i] = JSON.readTree(post(own.listenUrl(), "/v1/sessions",
                        "{\"username\":\"idle\",\"password\":\"idle-secret\"}", null).body()).get("token").asText();
            }
            URI uri = URI.create(own.listenUrl().replace("http", "ws") + "/ws");
            try (WsClient quiet = WsClient.connect(http, uri, Map.of("Authorization", "Bearer " + tokens[0]));
                 WsClient pinger = WsClient.connect(http, uri, Map.of("Authorization", "Bearer " + tokens[1]))) {
                quiet.next("welcome");
                pinger.next("welcome");
                pings.scheduleAtFixedRate(pinger::sendPing, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
                WsClient.Close close = quiet.closed.get(15, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(close.status()).isEqualTo(1001);
                assertThat(close.reason()).isEqualTo("heartbeat timeout");
                assertThat(pinger.isOpen()).isTrue();
            }
        } finally {
            pings.shutdownNow();
            own.close();
        }
    }

    @Test
    void healthIs503WhileShuttingDown() throws Exception {
        ParleyServer own = ParleyServer.start(config(tmp.resolve("draining")));
        assertThat(get(own.listenUrl(), "/health", null).statusCode()).isEqualTo(200);
        own.parley().shutdown(Duration.ZERO);
        HttpResponse<String> health = get(own.listenUrl(), "/health", null);
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("SHUTTING_DOWN");
        own.close();
    }

    @Test
    void aSecondServerOnTheSameDataDirFailsCleanly() {
        Path dir = tmp.resolve("shared");
        try {
            ParleyServer.start(config(dir)).close();
            throw new AssertionError("two servers opened one store");
        } catch (RuntimeException expected) {
            // the store's lock is held by the running server; nothing was left bound
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(get("/health", null).statusCode()).isEqualTo(200));
    }

    @Test
    void tlsServesHttpsAndWss() throws Exception {
        Path cert = copyResource("tls/localhost.crt");
        Path key = copyResource("tls/localhost.key");
        ServerConfig base = config(tmp.resolve("tls"));
        ServerConfig.Server s = base.server();
        ServerConfig tlsConfig = base.withServer(new ServerConfig.Server(s.id(), s.host(), 0,
                new ServerConfig.Tls(cert, key), s.maxFrameBytes(), s.idleTimeoutSeconds(), s.shutdownGraceSeconds()));
        ParleyServer own = ParleyServer.start(tlsConfig);
        try {
            assertThat(own.listenUrl()).startsWith("https://127.0.0.1:");
            HttpClient tls = HttpClient.newBuilder().sslContext(trusting(cert)).build();
            HttpResponse<String> health = tls.send(HttpRequest.newBuilder(URI.create(own.listenUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            tls.send(json(own.listenUrl() + "/v1/users", "{\"username\":\"erin\",\"password\":\"erin-secret\"}", null),
                    HttpResponse.BodyHandlers.ofString());
            String token = JSON.readTree(tls.send(json(own.listenUrl() + "/v1/sessions",
                    "{\"username\":\"erin\",\"password\":\"erin-secret\"}", null),
                    HttpResponse.BodyHandlers.ofString()).body()).get("token").asText();
            try (WsClient ws = WsClient.connect(tls, URI.create(own.listenUrl().replace("https", "wss") + "/ws?token="
                    + URLEncoder.encode(token, StandardCharsets.UTF_8)), Map.of())) {
                assertThat(ws.next("welcome").get("user").asText()).isEqualTo("erin");
            }
        } finally {
            own.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private WsClient connect(String pathAndQuery, String bearer) throws Exception {
        URI uri = URI.create(server.listenUrl().replace("http", "ws") + pathAndQuery);
        return WsClient.connect(http, uri, bearer == null ? Map.of() : Map.of("Authorization", "Bearer " + bearer));
    }

    private String login(String user, String password) throws Exception {
        HttpResponse<String> r = post("/v1/sessions",
                "{\"username\":\"" + user + "\",\"password\":\"" + password + "\",\"deviceName\":\"test\"}", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.get("user").asText()).isEqualTo(user);
        assertThat(n.get("device").asText()).isNotEmpty();
        return n.get("token").asText();
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        return post(server.listenUrl(), path, body, token);
    }

    private HttpResponse<String> post(String base, String path, String body, String token) throws Exception {
        return http.send(json(base + path, body, token), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest json(String url, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return get(server.listenUrl(), path, token);
    }

    private HttpResponse<String> get(String base, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Path copyResource(String name) throws Exception {
        Path target = tmp.resolve(name.replace('/', '-'));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            Files.copy(in, target);
        }
        return target;
    }

    private static SSLContext trusting(Path certFile) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(certFile)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("parley-test", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
