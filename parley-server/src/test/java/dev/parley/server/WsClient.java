package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test WebSocket client on {@code java.net.http}: collects text messages and the close. */
final class WsClient implements WebSocket.Listener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 10;

    /** A close received from the server. */
    record Close(int status, String reason) {
    }

    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    final CompletableFuture<Close> closed = new CompletableFuture<>();
    private WebSocket ws;

    static WsClient connect(HttpClient http, URI uri, Map<String, String> headers) throws Exception {
        WsClient c = new WsClient();
        WebSocket.Builder b = http.newWebSocketBuilder();
        headers.forEach(b::header);
        c.ws = b.buildAsync(uri, c).get(WAIT_SECONDS, TimeUnit.SECONDS);
        return c;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            texts.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    void send(String text) throws Exception {
        ws.sendText(text, true).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** A WebSocket-level ping (control frame), as a heartbeat; fire and forget. */
    void sendPing() {
        ws.sendPing(ByteBuffer.wrap(new byte[] {1}));
    }

    void sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The next message, as JSON; fails when none arrives in time. */
    JsonNode next() throws Exception {
        String s = texts.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(s).as("a message within %d s", WAIT_SECONDS).isNotNull();
        return JSON.readTree(s);
    }

    /** The next message of {@code type}, skipping others (events that may interleave). */
    JsonNode next(String type) throws Exception {
        for (int i = 0; i < 100; i++) {
            JsonNode n = next();
            if (n.path("type").asText().equals(type)) {
                return n;
            }
        }
        throw new AssertionError("no " + type + " frame");
    }

    Close awaitClose() throws Exception {
        return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    boolean isOpen() {
        return !closed.isDone() && !ws.isInputClosed();
    }

    @Override
    public void close() {
        if (ws != null) {
            ws.abort();
        }
    }
}
