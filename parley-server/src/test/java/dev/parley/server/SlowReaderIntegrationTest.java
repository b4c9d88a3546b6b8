package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, items 1 and 2, over real sockets: a client that sends and never reads. The server's
 * own accounting ({@code /metrics}) shows what it held for the connection; nothing here depends
 * on how long anything took.
 */
class SlowReaderIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HIGH_WATER = 4096;
    private static final int HARD_LIMIT = 65_536;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ParleyServer server;
    private Socket flooder;
    private Thread writer;

    private void start(int hardLimit) {
        ServerConfig config = ServerConfig.load(null, Map.of(
                "PARLEY_LIMITS_MAX_BODY_BYTES", "1024",
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1",
                // the flood is not refused by the rate limit: what is bounded here is the outbound side
                "PARLEY_LIMITS_RATE_LIMIT_PER_SECOND", "10000000",
                "PARLEY_LIMITS_RATE_LIMIT_BURST", "10000000",
                "PARLEY_LIMITS_MAX_OUTBOUND_BYTES", Integer.toString(HIGH_WATER),
                "PARLEY_LIMITS_OUTBOUND_HARD_LIMIT_BYTES", Integer.toString(hardLimit),
                "PARLEY_SERVER_CLOSE_TIMEOUT_MS", "500",
                "PARLEY_SERVER_IDLE_TIMEOUT_SECONDS", "5",
                "PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "0"));
        server = ParleyServer.start(config.withPort(0).withDataDir(tmp.resolve("data")));
    }

    @AfterEach
    void stop() throws Exception {
        if (flooder != null) {
            flooder.close();
        }
        if (writer != null) {
            writer.join(10_000);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientThatFloodsAndNeverReadsIsHeldUnderTheHardLimitAndClosedWith1008() throws Exception {
        // The server answers until the client's replies pass the high-water mark, then reads
        // nothing more from it. Either the replies to requests it had already taken would pass the
        // hard limit (closed at once, 1008), or the client stays silent for the idle timeout
        // (closed, 1008: it does not read).
        start(HARD_LIMIT);
        flood();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                metric("parley_ws_outbound_overflows_total") + metric("parley_ws_reader_stalls_total") >= 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("parley_ws_connections") == 0);
        double peak = metric("parley_ws_outbound_peak_bytes");
        assertThat(peak).as("the replies did wait for the client").isGreaterThan(HIGH_WATER);
        assertThat(peak).as("but never more than the hard limit").isLessThanOrEqualTo(HARD_LIMIT);
        assertFloodEnded();
    }

    @Test
    void aClientThatStopsReadingIsClosedWith1008AndDroppedAtTheCloseDeadline() throws Exception {
        // Far below the default hard limit: the server stops reading, the client stays silent for
        // the idle timeout, and the close frame waits behind what the kernel could not take.
        start(16 << 20);
        flood();
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("parley_ws_reader_stalls_total") >= 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("parley_ws_close_timeouts_total") >= 1
                && metric("parley_ws_connections") == 0);
        assertThat(metric("parley_ws_outbound_overflows_total")).isZero();
        assertFloodEnded();
    }

    /** Alice floods history requests of a conversation with large messages and never reads. */
    private void flood() throws Exception {
        String alice = register("alice");
        register("bob");
        String conv;
        try (WsClient ws = WsClient.connect(http, URI.create(server.listenUrl().replace("http", "ws") + "/ws"),
                Map.of("Authorization", "Bearer " + alice))) {
            ws.next("welcome");
            ws.send("{\"type\":\"open_direct\",\"id\":\"o1\",\"user\":\"bob\"}");
            conv = ws.next("conversation").at("/conversation/conv").asText();
            for (int i = 0; i < 40; i++) { // a history page of these is ~45 KB: each reply is large
                ws.send("{\"type\":\"send\",\"id\":\"s" + i + "\",\"conv\":\"" + conv + "\",\"clientMsgId\":\"c" + i
                        + "\",\"body\":\"" + "x".repeat(1000) + "\"}");
                ws.next("sent");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("parley_ws_connections") == 0);

        flooder = new Socket();
        flooder.setReceiveBufferSize(4096); // a small window, so the server's own buffer fills soon
        flooder.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        OutputStream out = flooder.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer " + alice + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] request = maskedText("{\"type\":\"history\",\"id\":\"h\",\"conv\":\"" + conv + "\",\"limit\":50}");
        writer = new Thread(() -> {
            try {
                while (true) { // until the server stops reading and then drops the connection
                    out.write(request);
                }
            } catch (IOException expected) {
                blocked.set(true);
            }
        }, "flooder");
        writer.setDaemon(true);
        writer.start();
    }

    /** The server ended the connection: the client reads what the kernel had taken, then the end. */
    private void assertFloodEnded() throws Exception {
        InputStream in = flooder.getInputStream();
        flooder.setSoTimeout(10_000);
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) >= 0) {
                // what the kernel had taken before the reset
            }
        } catch (IOException reset) {
            // connection reset: dropped
        }
        writer.join(10_000);
        assertThat(blocked).as("the flood ended with the connection").isTrue();
    }

    private final AtomicBoolean blocked = new AtomicBoolean();

    // ---- helpers --------------------------------------------------------------------------

    /** A final text frame, masked as a client must (with a zero mask, so the bytes stay readable). */
    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        assertThat(payload.length).isLessThan(126);
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        return frame;
    }

    private double metric(String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.adminUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? ([0-9.Ee+-]+)$").matcher(r.body());
        assertThat(m.find()).as("metric %s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private String register(String user) throws Exception {
        String body = "{\"username\":\"" + user + "\",\"password\":\"" + user + "-secret\",\"deviceName\":\"test\"}";
        assertThat(post("/v1/users", body).statusCode()).isEqualTo(201);
        HttpResponse<String> r = post("/v1/sessions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode n = JSON.readTree(r.body());
        return n.get("token").asText();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.listenUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
