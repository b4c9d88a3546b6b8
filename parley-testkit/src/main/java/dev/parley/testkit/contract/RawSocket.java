package dev.parley.testkit.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A bare protocol connection ({@link java.net.http.WebSocket}, no SDK) for tests that must send
 * exactly the bytes they mean: malformed frames, retried sends, floods. Received text frames are
 * parsed into JSON trees and kept in arrival order; a frame that is not JSON is kept as a text node.
 *
 * <p>Thread-safe. Waits are bounded by {@link #TIMEOUT} and fail with {@link AssertionError}.
 */
public final class RawSocket implements AutoCloseable {
    /** Longest wait for a frame or a close. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final AtomicInteger IDS = new AtomicInteger();

    /** The outcome of an opening handshake: a socket, or the HTTP status that refused it. */
    public record Attempt(RawSocket socket, int refusedStatus) {
        /** Whether the server refused the upgrade. */
        public boolean refused() {
            return socket == null;
        }
    }

    private final List<JsonNode> frames = new ArrayList<>();
    /** By identity: two frames may be equal JSON. */
    private final Map<JsonNode, Integer> frameBytes = new IdentityHashMap<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;
    private volatile boolean paused;
    private final java.util.concurrent.atomic.AtomicBoolean demandOwed = new java.util.concurrent.atomic.AtomicBoolean();

    private RawSocket() {
    }

    /** The WebSocket address of a server base URI: {@code ws(s)://host:port/ws?v=1}. */
    public static URI webSocketUri(URI base) {
        return webSocketUri(base, "v=1");
    }

    /** The WebSocket address of a server base URI with the given query string. */
    public static URI webSocketUri(URI base, String query) {
        String s = base.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        String ws = s.startsWith("https") ? "wss" + s.substring(5) : "ws" + s.substring(4);
        return URI.create(ws + "/ws" + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    /**
     * Opens a connection with {@code token} in the {@code Authorization} header (no header when
     * null) and returns it, or the HTTP status when the server refused the upgrade.
     */
    public static Attempt attempt(URI base, String token) {
        return attempt(base, "v=1", token);
    }

    /** Like {@link #attempt(URI, String)} with the given query string ({@code v=1} normally). */
    public static Attempt attempt(URI base, String query, String token) {
        RawSocket s = new RawSocket();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            s.ws = b.buildAsync(webSocketUri(base, query), s.new Listener()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Attempt(s, 0);
        } catch (ExecutionException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException h && h.getResponse() != null) {
                    return new Attempt(null, h.getResponse().statusCode());
                }
            }
            throw new AssertionError("cannot open a WebSocket to " + base + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("no WebSocket handshake with " + base + " within " + TIMEOUT, e);
        }
    }

    /** Opens an authenticated connection and waits for its {@code welcome}; fails if refused. */
    public static RawSocket open(URI base, String token) {
        Attempt a = attempt(base, token);
        if (a.refused()) {
            throw new AssertionError("WebSocket handshake refused with HTTP " + a.refusedStatus());
        }
        a.socket().awaitType("welcome");
        return a.socket();
    }

    /** A new frame {@code {"type": type, "id": <unique>}} to fill in. */
    public static ObjectNode frame(String type) {
        return JSON.createObjectNode().put("type", type).put("id", "raw-" + IDS.incrementAndGet());
    }

    /** An empty JSON object. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Sends one text frame, exactly as given, and waits until it is written. */
    public void sendText(String text) {
        try {
            ws.sendText(text, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot send a frame: " + e, e);
        }
    }

    /** Sends one binary frame and waits until it is written. */
    public void sendBinary(byte[] data) {
        try {
            ws.sendBinary(ByteBuffer.wrap(data), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot send a frame: " + e, e);
        }
    }

    /** Sends a JSON frame. */
    public void send(JsonNode frame) {
        sendText(frame.toString());
    }

    /** Sends a frame that has an {@code id} and waits for the reply echoing it. */
    public JsonNode request(ObjectNode frame) {
        String id = frame.path("id").asText();
        send(frame);
        return awaitReply(id);
    }

    /** Waits for the first frame whose {@code id} is {@code id}. */
    public JsonNode awaitReply(String id) {
        return awaitFrame(0, f -> id.equals(f.path("id").asText(null)), "a reply with id " + id);
    }

    /** Waits for the first frame of {@code type}. */
    public JsonNode awaitType(String type) {
        return awaitFrame(0, f -> type.equals(f.path("type").asText()), "a frame of type " + type);
    }

    /** The number of frames received so far; pass it to {@link #awaitFrame} to see only later ones. */
    public int mark() {
        synchronized (frames) {
            return frames.size();
        }
    }

    /** Waits for the first frame at index {@code from} or later that matches. */
    public JsonNode awaitFrame(int from, Predicate<JsonNode> match, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (frames) {
            while (true) {
                for (int i = from; i < frames.size(); i++) {
                    if (match.test(frames.get(i))) {
                        return frames.get(i);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed.isDone()) {
                    if (closed.isDone()) {
                        for (int i = from; i < frames.size(); i++) {
                            if (match.test(frames.get(i))) {
                                return frames.get(i);
                            }
                        }
                    }
                    throw new AssertionError("expected " + what + (closed.isDone()
                            ? " but the connection closed with " + closed.getNow(-1) : " within " + TIMEOUT)
                            + "; received " + describe(from));
                }
                try {
                    frames.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Every frame received so far. */
    public List<JsonNode> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    /** Frames received at index {@code from} or later that match. */
    public List<JsonNode> frames(int from, Predicate<JsonNode> match) {
        List<JsonNode> out = new ArrayList<>();
        synchronized (frames) {
            for (int i = from; i < frames.size(); i++) {
                if (match.test(frames.get(i))) {
                    out.add(frames.get(i));
                }
            }
        }
        return out;
    }

    /** Waits until the server closes the connection; returns the close status (1006 when it just dropped). */
    public int awaitClose() {
        try {
            return closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + TIMEOUT
                    + "; received " + describe(0), e);
        }
    }

    /**
     * Stops reading from the connection (after the frame being read): the server's frames back up
     * in the network buffers and then in the server, as with a slow or stalled client.
     */
    public void pause() {
        paused = true;
    }

    /** Reads again after {@link #pause()}. */
    public void resume() {
        paused = false;
        if (demandOwed.compareAndSet(true, false)) {
            ws.request(1);
        }
    }

    /** Whether the connection has closed. */
    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        closed.complete(1006);
    }

    private String describe(int from) {
        List<String> out = new ArrayList<>();
        synchronized (frames) {
            for (int i = from; i < frames.size() && out.size() < 20; i++) {
                String s = frames.get(i).toString();
                out.add(s.length() > 300 ? s.substring(0, 300) + "…" : s);
            }
            if (frames.size() - from > 20) {
                out.add("… " + (frames.size() - from - 20) + " more");
            }
        }
        return out.toString();
    }

    private void received(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            node = JSON.getNodeFactory().textNode(text);
        }
        synchronized (frames) {
            frames.add(node);
            frameBytes.put(node, text.getBytes(StandardCharsets.UTF_8).length);
            frames.notifyAll();
        }
    }

    /** The size in UTF-8 bytes of a received frame, as the server sent it. */
    public int bytesOf(JsonNode frame) {
        synchronized (frames) {
            Integer bytes = frameBytes.get(frame);
            if (bytes == null) {
                throw new IllegalArgumentException("not a frame this socket received");
            }
            return bytes;
        }
    }

    private void ended(int status) {
        closed.complete(status);
        synchronized (frames) {
            frames.notifyAll();
        }
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(text);
            }
            if (paused) {
                demandOwed.set(true);
                if (!paused && demandOwed.compareAndSet(true, false)) {
                    webSocket.request(1);
                }
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ended(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended(1006);
        }
    }
}
