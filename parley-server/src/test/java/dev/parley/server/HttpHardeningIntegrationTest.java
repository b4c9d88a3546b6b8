package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a real server, over raw sockets where the bug needs one: slow senders, idle
 * keep-alive connections, pipelining, unknown versions, oversized bodies, clients that vanish
 * mid-body, the connection cap, and the drain on shutdown (issue 12, items 9 to 11).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpHardeningIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REQUEST_TIMEOUT_MS = 600;
    private static final int IDLE_TIMEOUT_MS = 1_000;

    @TempDir
    static Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ParleyServer server;
    private String token;

    @BeforeAll
    void start() throws Exception {
        server = ParleyServer.start(config("shared", Map.of()));
        post(server, "/v1/users", "{\"username\":\"hank\",\"password\":\"hank-secret\"}");
        token = JSON.readTree(post(server, "/v1/sessions", "{\"username\":\"hank\",\"password\":\"hank-secret\"}")
                .body()).get("token").asText();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ServerConfig config(String dir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "PARLEY_SERVER_HTTP_REQUEST_TIMEOUT_MS", Integer.toString(REQUEST_TIMEOUT_MS),
                "PARLEY_SERVER_HTTP_IDLE_TIMEOUT_MS", Integer.toString(IDLE_TIMEOUT_MS),
                "PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "0",
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1"));
        env.putAll(extra);
        return ServerConfig.load(null, env).withPort(0).withDataDir(tmp.resolve(dir));
    }

    // ---- item 9: deadlines -----------------------------------------------------------------

    @Test
    void aSlowDripRequestGets408AndIsClosedWithinTheDeadline() throws Exception {
        try (Socket s = socket(server)) {
            OutputStream out = s.getOutputStream();
            byte[] request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> readAll(s));
            // One byte every 100 ms: the request would take 3.3 s; each byte is activity, so only a
            // deadline from the first byte ends it.
            for (int i = 0; i < request.length - 1 && !answer.isDone(); i++) {
                try {
                    out.write(request[i]);
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(100);
            }
            String response = answer.get();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(response).startsWith("HTTP/1.1 408 ");
            assertThat(errorCode(response)).isEqualTo("REQUEST_TIMEOUT");
            assertThat(tookMs).isBetween((long) REQUEST_TIMEOUT_MS - 50, (long) REQUEST_TIMEOUT_MS + 1_500);
        }
        assertThat(metrics(server)).containsPattern("parley_http_refused_total\\{reason=\"request_timeout\"} [1-9]");
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (Socket s = socket(server)) {
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            String response = readAll(s); // the answer, then the end of the stream once idle
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(response).startsWith("HTTP/1.1 200 ");
            assertThat(tookMs).isBetween((long) IDLE_TIMEOUT_MS - 50, (long) IDLE_TIMEOUT_MS + 1_500);
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedAndWebSocketsDoNotCount() throws Exception {
        try (ParleyServer own = ParleyServer.start(config("capped", Map.of(
                "PARLEY_SERVER_HTTP_MAX_CONNECTIONS", "2", "PARLEY_SERVER_HTTP_IDLE_TIMEOUT_MS", "30000")))) {
            post(own, "/v1/users", "{\"username\":\"cap\",\"password\":\"cap-secret\"}");
            String capToken = JSON.readTree(post(own, "/v1/sessions",
                    "{\"username\":\"cap\",\"password\":\"cap-secret\"}").body()).get("token").asText();
            // A WebSocket leaves the count once upgraded.
            try (WsClient ws = WsClient.connect(http, URI.create(own.listenUrl().replace("http", "ws") + "/ws"),
                    Map.of("Authorization", "Bearer " + capToken))) {
                ws.next("welcome");
                try (Socket first = socket(own); Socket second = socket(own)) {
                    assertThat(exchange(first, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200 ");
                    assertThat(exchange(second, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200 ");
                    try (Socket third = socket(own)) {
                        assertThat(third.getInputStream().read()).as("the third HTTP connection is closed").isEqualTo(-1);
                    }
                    // Counted right after the close, on the server's thread: awaited.
                    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics(own))
                            .containsPattern("parley_http_refused_total\\{reason=\"connection_limit\"} [1-9]"));
                }
                // Places are given back when connections close.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    try (Socket again = socket(own)) {
                        assertThat(exchange(again, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                                .startsWith("HTTP/1.1 200 ");
                    }
                });
            }
        }
    }

    // ---- item 10: pipelining, versions, bodies ---------------------------------------------

    @Test
    void twentyOnePipelinedRequestsInOneWriteGet21ResponsesInOrder() throws Exception {
        StringBuilder all = new StringBuilder();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            switch (i % 3) {
                case 0 -> {
                    // Goes to the store: completes later than the requests behind it would.
                    all.append("GET /v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ").append(token)
                            .append("\r\n\r\n");
                    expected.add(200);
                }
                case 1 -> {
                    all.append("GET /v1/nothing-").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
                    expected.add(404);
                }
                default -> {
                    all.append("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                    expected.add(200);
                }
            }
        }
        all.append("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        expected.add(200);
        try (Socket s = socket(server)) {
            s.getOutputStream().write(all.toString().getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            List<String> responses = splitResponses(readAll(s));
            assertThat(responses).hasSize(22);
            List<Integer> statuses = responses.stream().map(HttpHardeningIntegrationTest::status).toList();
            assertThat(statuses).isEqualTo(expected);
            for (int i = 0; i < 21; i++) {
                String body = responses.get(i).substring(responses.get(i).indexOf("\r\n\r\n") + 4);
                switch (i % 3) {
                    case 0 -> assertThat(body).as("response %d", i).contains("\"devices\"");
                    case 1 -> assertThat(body).as("response %d", i).contains("NOT_FOUND");
                    default -> assertThat(body).as("response %d", i).contains("\"status\":\"UP\"");
                }
            }
        }
    }

    @Test
    void anUnknownHttpVersionGets505() throws Exception {
        try (Socket s = socket(server)) {
            String response = exchange(s, "GET /health HTTP/9.9\r\nHost: x\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 505 ");
            assertThat(errorCode(response)).isEqualTo("HTTP_VERSION_NOT_SUPPORTED");
            assertThat(s.getInputStream().read()).as("closed after the 505").isEqualTo(-1);
        }
    }

    @Test
    void aTwoMebibyteBodyGets413WithTheJsonErrorBodyAndTheConnectionStaysUsable() throws Exception {
        int size = 2 << 20;
        try (Socket s = socket(server)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> answers = CompletableFuture.supplyAsync(() -> readAll(s));
            out.write(new byte[size]);
            out.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> responses = splitResponses(answers.get());
            assertThat(responses).hasSize(2);
            assertThat(responses.get(0)).startsWith("HTTP/1.1 413 ").containsIgnoringCase("content-type: application/json");
            assertThat(errorCode(responses.get(0))).isEqualTo("PAYLOAD_TOO_LARGE");
            assertThat(responses.get(1)).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void aClientClosingMidBodyLogsNoStackTrace() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            for (int i = 0; i < 5; i++) {
                try (Socket s = socket(server)) {
                    s.getOutputStream().write(("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"username\":").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(50); // the server reads the part before the close
                }
            }
            // The server is fine, and said nothing with a stack trace about it.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(http.send(HttpRequest.newBuilder(URI.create(server.listenUrl() + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
            Thread.sleep(300);
            assertThat(logged.list).filteredOn(e -> e.getThrowableProxy() != null
                            || e.getFormattedMessage().contains("Exception"))
                    .as("log events with a stack trace").isEmpty();
        } finally {
            root.detachAppender(logged);
        }
    }

    // ---- item 11: drain --------------------------------------------------------------------

    @Test
    void closeDrainsForTheGracePeriodWithHealth503AndTellsWebSocketsToReconnect() throws Exception {
        ParleyServer own = ParleyServer.start(config("draining", Map.of("PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "2")));
        CompletableFuture<Void> closing = null;
        try {
            post(own, "/v1/users", "{\"username\":\"dora\",\"password\":\"dora-secret\"}");
            String doraToken = JSON.readTree(post(own, "/v1/sessions",
                    "{\"username\":\"dora\",\"password\":\"dora-secret\"}").body()).get("token").asText();
            URI wsUri = URI.create(own.listenUrl().replace("http", "ws") + "/ws");
            try (WsClient ws = WsClient.connect(http, wsUri, Map.of("Authorization", "Bearer " + doraToken))) {
                ws.next("welcome");
                assertThat(get(own.listenUrl() + "/health").statusCode()).isEqualTo(200);
                long start = System.nanoTime();
                closing = CompletableFuture.runAsync(own::close); // what the SIGTERM hook runs

                JsonNode reconnect = ws.next("reconnect");
                assertThat(reconnect.get("retryAfterMs").asLong()).isBetween(0L, 2_000L);
                assertThat(ws.closed.get(5, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(1001);
                // A second into the drain the port still answers, with 503, on both listeners.
                await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                        assertThat(get(own.listenUrl() + "/health").statusCode()).isEqualTo(503));
                Thread.sleep(Math.max(0, 1_000 - (System.nanoTime() - start) / 1_000_000));
                HttpResponse<String> health = get(own.listenUrl() + "/health");
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("SHUTTING_DOWN");
                assertThat(get(own.adminUrl() + "/health").statusCode()).isEqualTo(503);
                // New WebSockets are refused meanwhile.
                assertThatThrownBy(() -> WsClient.connect(http, wsUri, Map.of("Authorization", "Bearer " + doraToken)))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(WebSocketHandshakeException.class);
                assertThat(closing).isNotDone();

                closing.get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(2_000);
                assertThatThrownBy(() -> socket(own)).isInstanceOf(ConnectException.class);
            }
        } finally {
            own.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static Socket socket(ParleyServer s) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Everything the server sends until it closes the connection (or 10 s pass). */
    private static String readAll(Socket s) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            InputStream in = s.getInputStream();
            for (int n; (n = in.read(buf)) != -1; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection; got: " + got, e);
        } catch (IOException e) {
            // reset by the server after its answer: what was read counts
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** Sends {@code request} and reads one response (head and Content-Length body). */
    private static String exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = contentLength(head.toString());
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static List<String> splitResponses(String all) {
        List<String> out = new ArrayList<>();
        int at = 0;
        while (at < all.length()) {
            int headEnd = all.indexOf("\r\n\r\n", at);
            assertThat(headEnd).as("a complete response head at %d in %s", at, all).isPositive();
            int end = headEnd + 4 + contentLength(all.substring(at, headEnd + 4));
            out.add(all.substring(at, end));
            at = end;
        }
        return out;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return 0;
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    private static String errorCode(String response) throws IOException {
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).at("/error/code").asText();
    }

    private HttpResponse<String> post(ParleyServer s, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.listenUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isLessThan(300);
        return r;
    }

    /** The Prometheus page of {@code s}'s admin listener. */
    private String metrics(ParleyServer s) throws Exception {
        HttpResponse<String> r = get(s.adminUrl() + "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
