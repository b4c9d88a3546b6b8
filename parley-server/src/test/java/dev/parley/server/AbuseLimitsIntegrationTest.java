package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The abuse limits of the report, end to end over real sockets: brute-forced logins get
 * 429, a flood of registrations gets 503 when the hashing queue is full, one user's connections
 * share one send limit, and a user's devices are capped. Each test runs its own server with the
 * limits it exercises.
 */
class AbuseLimitsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ParleyServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, String> limits) {
        Map<String, String> env = new HashMap<>(Map.of(
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1",
                "PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "0"));
        env.putAll(limits);
        server = ParleyServer.start(ServerConfig.load(null, env).withPort(0).withDataDir(tmp.resolve("data")));
    }

    @Test
    void loginAttemptsBeyondTheLimitsGet429WithRetryAfter() throws Exception {
        start(Map.of("PARLEY_LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE", "1",
                "PARLEY_LIMITS_AUTH_ATTEMPTS_PER_IP_BURST", "8",
                "PARLEY_LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF", "3"));
        assertThat(register("alice", PASSWORD).statusCode()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            assertThat(login("alice", "guess-" + i, null).statusCode()).isEqualTo(401);
        }
        // The account backs off: even the right password is refused, without being checked.
        HttpResponse<String> backingOff = login("alice", PASSWORD, null);
        assertRateLimited(backingOff);
        assertThat(backingOff.body()).contains("failed logins for this account");

        // Five attempts used, three left for this address; then every attempt is refused.
        for (int i = 0; i < 3; i++) {
            assertThat(login("nobody" + i, "guess-" + i, null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> limited = login("alice", PASSWORD, null);
        assertRateLimited(limited);
        assertThat(limited.body()).contains("from this address");
        assertRateLimited(register("bob", PASSWORD));
    }

    @Test
    void registrationsBeyondTheHashingQueueGet503() throws Exception {
        // Expensive hashes and a queue of one: of a burst of concurrent registrations most find
        // every hashing thread busy and the queue full.
        start(Map.of("PARLEY_LIMITS_ARGON2_MEMORY_KIB", "65536", "PARLEY_LIMITS_ARGON2_ITERATIONS", "4",
                "PARLEY_LIMITS_HASH_QUEUE_SIZE", "1"));
        int burst = 16;
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            all.add(http.sendAsync(json("/v1/users", "{\"username\":\"user" + i + "\",\"password\":\"" + PASSWORD + "\"}",
                    null), HttpResponse.BodyHandlers.ofString()));
        }
        int created = 0;
        int busy = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 201) {
                created++;
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                JsonNode error = JSON.readTree(r.body()).get("error");
                assertThat(error.get("code").asText()).isEqualTo("SERVER_BUSY");
                assertThat(error.get("retryable").asBoolean()).isTrue();
                assertThat(r.headers().firstValue("Retry-After")).contains("1");
                busy++;
            }
        }
        int threads = Runtime.getRuntime().availableProcessors();
        assertThat(created).isBetween(1, burst);
        assertThat(busy).as("refused registrations (%d hashing threads, queue 1)", threads).isPositive();
        assertThat(created + busy).isEqualTo(burst);
    }

    @Test
    void oneUsersConnectionsShareOneSendLimit() throws Exception {
        start(Map.of("PARLEY_LIMITS_USER_SEND_PER_SECOND", "5", "PARLEY_LIMITS_USER_SEND_BURST", "10"));
        register("alice", PASSWORD);
        register("bob", PASSWORD);
        List<WsClient> alice = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                WsClient ws = connect(token(login("alice", PASSWORD, null)));
                ws.next("welcome");
                alice.add(ws);
            }
            alice.get(0).send("{\"type\":\"open_direct\",\"id\":\"o\",\"user\":\"bob\"}");
            String conv = alice.get(0).next("conversation").at("/conversation/conv").asText();

            int perConnection = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < perConnection; i++) {
                for (int c = 0; c < alice.size(); c++) {
                    alice.get(c).send("{\"type\":\"send\",\"id\":\"s" + i + "\",\"conv\":\"" + conv
                            + "\",\"clientMsgId\":\"c" + c + "-" + i + "\",\"body\":\"hi\"}");
                }
            }
            int sent = 0;
            int limited = 0;
            for (WsClient ws : alice) {
                for (int i = 0; i < perConnection; i++) {
                    JsonNode reply = nextReply(ws);
                    if (reply.path("type").asText().equals("sent")) {
                        sent++;
                    } else {
                        assertThat(reply.path("code").asText()).isEqualTo("RATE_LIMITED");
                        assertThat(reply.path("message").asText()).contains("over all of its connections");
                        assertThat(reply.path("retryAfterMs").asLong()).isBetween(1L, 200L);
                        limited++;
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // 30 sends, each connection far below its own limit of 100/s: the user's 10 + 5/s apply.
            assertThat(sent).isBetween(10, 10 + (int) Math.ceil(5 * seconds));
            assertThat(sent + limited).isEqualTo(30);
            JsonNode history = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(server.listenUrl()
                    + "/v1/conversations/" + conv + "/messages?limit=100")).header("Authorization", "Bearer "
                    + token(login("bob", PASSWORD, null))).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(history.get("messages")).as("nothing stored for the refused sends").hasSize(sent);
        } finally {
            alice.forEach(WsClient::close);
        }
    }

    @Test
    void devicesPerUserAreCappedAndALoggedOutDeviceFreesItsSlot() throws Exception {
        start(Map.of("PARLEY_LIMITS_MAX_DEVICES_PER_USER", "3"));
        register("alice", PASSWORD);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tokens.add(token(login("alice", PASSWORD, null)));
        }
        HttpResponse<String> full = login("alice", PASSWORD, null);
        assertThat(full.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(full.body()).at("/error/code").asText()).isEqualTo("DEVICE_LIMIT_REACHED");

        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.listenUrl() + "/v1/devices/current"))
                .header("Authorization", "Bearer " + tokens.get(1)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
        tokens.set(1, token(login("alice", PASSWORD, null)));

        // Without any token left, a user still gets in by replacing the oldest device (which one is
        // oldest is the core's unit test: logins here may share a millisecond).
        HttpResponse<String> replacing = login("alice", PASSWORD, true);
        assertThat(replacing.statusCode()).as(replacing.body()).isEqualTo(201);
        List<Integer> statuses = new ArrayList<>();
        for (String t : tokens) {
            statuses.add(devices(t));
        }
        assertThat(statuses).as("one device was logged out to make room").containsExactlyInAnyOrder(200, 200, 401);
        assertThat(devices(token(replacing))).isEqualTo(200);
        assertThat(login("alice", PASSWORD, "yes").statusCode()).isEqualTo(400);
    }

    @Test
    void restRequestsOfADeviceBeyondItsRateLimitGet429() throws Exception {
        // A slow refill: the burst is used up long before it comes back.
        start(Map.of("PARLEY_LIMITS_RATE_LIMIT_PER_SECOND", "1", "PARLEY_LIMITS_RATE_LIMIT_BURST", "20"));
        register("alice", PASSWORD);
        String phone = token(login("alice", PASSWORD, null));
        String laptop = token(login("alice", PASSWORD, null));
        int ok = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            HttpResponse<String> r = get("/v1/conversations", phone);
            if (r.statusCode() == 200) {
                ok++;
            } else {
                refused = r;
            }
        }
        assertThat(ok).as("requests within the burst").isBetween(20, 22);
        assertThat(refused).isNotNull();
        assertRateLimited(refused);
        assertThat(get("/v1/conversations", laptop).statusCode()).as("another device has its own limit").isEqualTo(200);
    }

    // ---- helpers --------------------------------------------------------------------------

    private HttpResponse<String> get(String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.listenUrl() + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRateLimited(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(error.get("retryable").asBoolean()).isTrue();
        assertThat(error.get("retryAfterMs").asLong()).isPositive();
        assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()))
                .isEqualTo((error.get("retryAfterMs").asLong() + 999) / 1000);
    }

    /** The next reply to a send (sent or error), skipping the events that interleave. */
    private static JsonNode nextReply(WsClient ws) throws Exception {
        for (int i = 0; i < 200; i++) {
            JsonNode f = ws.next();
            String type = f.path("type").asText();
            if ((type.equals("sent") || type.equals("error")) && f.path("id").asText().startsWith("s")) {
                return f;
            }
        }
        throw new AssertionError("no reply to a send");
    }

    private HttpResponse<String> register(String user, String password) throws Exception {
        return http.send(json("/v1/users", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}", null),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String user, String password, Object replaceOldest) throws Exception {
        String extra = replaceOldest == null ? ""
                : ",\"replaceOldest\":" + (replaceOldest instanceof String s ? "\"" + s + "\"" : replaceOldest);
        return http.send(json("/v1/sessions", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"" + extra
                + "}", null), HttpResponse.BodyHandlers.ofString());
    }

    private static String token(HttpResponse<String> login) throws Exception {
        assertThat(login.statusCode()).as(login.body()).isEqualTo(201);
        return JSON.readTree(login.body()).get("token").asText();
    }

    private int devices(String token) throws Exception {
        return get("/v1/devices", token).statusCode();
    }

    private WsClient connect(String token) throws Exception {
        return WsClient.connect(http, URI.create(server.listenUrl().replace("http", "ws") + "/ws"),
                Map.of("Authorization", "Bearer " + token));
    }

    private HttpRequest json(String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.listenUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }
}
