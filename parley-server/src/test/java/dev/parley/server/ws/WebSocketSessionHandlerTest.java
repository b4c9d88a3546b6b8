package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebSocketSessionHandlerTest {
    private static final int MAX_FRAME = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeGateway gateway = new FakeGateway();
    private final ServerMetrics metrics = ServerMetrics.inMemory();
    private final List<Object> passedOn = new ArrayList<>();
    private final EmbeddedChannel ch = new EmbeddedChannel(
            new WebSocketSessionHandler(gateway, new FrameCodec(), metrics, MAX_FRAME, Duration.ofSeconds(10)),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    passedOn.add(msg);
                }
            });

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        metrics.close();
    }

    // ---- authentication --------------------------------------------------------------------

    @Test
    void bearerHeaderOpensTheSessionWithoutSendingAnything() {
        handshake("/ws", "Bearer good");
        assertThat(gateway.session).isNotNull();
        assertThat(gateway.session.device.deviceId()).isEqualTo("dev_good");
        assertThat(outbound()).isEmpty();
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
    }

    @Test
    void queryTokenOpensTheSession() {
        handshake("/ws?v=1&token=good", null);
        assertThat(gateway.session).isNotNull();
        assertThat(gateway.tokens).containsExactly("good");
    }

    @Test
    void firstFrameAuthOpensTheSession() {
        handshake("/ws", null);
        assertThat(gateway.session).isNull();
        text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"good\"}");
        assertThat(gateway.session).isNotNull();
        assertThat(outbound()).isEmpty();
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
    }

    @Test
    void anythingButAuthFirstIsUnauthenticatedAndCloses1008() {
        handshake("/ws", null);
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        List<Object> out = outbound();
        assertError(out.get(0), "p1", ErrorCode.UNAUTHENTICATED);
        assertClose(out.get(1), 1008);
        assertThat(ch.isActive()).isFalse();
        assertThat(gateway.session).isNull();
    }

    @Test
    void garbageBeforeAuthIsUnauthenticated() {
        handshake("/ws", null);
        text("hello");
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.UNAUTHENTICATED);
        assertClose(out.get(1), 1008);
    }

    @Test
    void badTokenIsUnauthenticatedWithTheAuthFramesId() {
        handshake("/ws", null);
        text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"bad\"}");
        List<Object> out = outbound();
        assertError(out.get(0), "a1", ErrorCode.UNAUTHENTICATED);
        assertClose(out.get(1), 1008);
    }

    @Test
    void badHeaderTokenClosesTheConnection() {
        handshake("/ws", "Bearer bad");
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.UNAUTHENTICATED);
        assertClose(out.get(1), 1008);
    }

    @Test
    void aStoreOutageDuringAuthIsRetryableAndCloses1013() {
        gateway.failWith = new ParleyException(ErrorCode.UNAVAILABLE, "store down");
        handshake("/ws", "Bearer good");
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.UNAVAILABLE);
        assertClose(out.get(1), 1013);
    }

    @Test
    void noAuthWithinTenSecondsCloses() {
        handshake("/ws", null);
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isActive()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.UNAUTHENTICATED);
        assertClose(out.get(1), 1008);
    }

    @Test
    void theTimeoutDoesNotFireOnceAuthenticated() {
        handshake("/ws", "Bearer good");
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isActive()).isTrue();
        assertThat(outbound()).isEmpty();
    }

    @Test
    void framesSentWhileTheTokenIsCheckedAreHandledInOrderAfterwards() {
        gateway.pending = new CompletableFuture<>();
        handshake("/ws", "Bearer good");
        assertThat(ch.config().isAutoRead()).isFalse();
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        text("{\"type\":\"ping\",\"id\":\"p2\"}");
        assertThat(gateway.session).isNull();
        gateway.pending.complete(device("good"));
        ch.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"), new ClientFrame.Ping("p2"));
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void anUnsupportedProtocolVersionIsRefused() {
        handshake("/ws?v=2&token=good", null);
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.INVALID_FIELD);
        assertClose(out.get(1), 1002);
        assertThat(gateway.tokens).isEmpty();
    }

    // ---- bad input keeps the connection ---------------------------------------------------

    @Test
    void malformedJsonIsAnErrorAndTheConnectionStaysUsable() {
        open();
        text("{not json");
        assertError(single(), null, ErrorCode.MALFORMED_FRAME);
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        assertThat(ch.isActive()).isTrue();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
    }

    @Test
    void unknownTypeEchoesTheId() {
        open();
        text("{\"type\":\"teleport\",\"id\":\"t1\"}");
        assertError(single(), "t1", ErrorCode.UNKNOWN_TYPE);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void invalidFieldEchoesTheId() {
        open();
        text("{\"type\":\"ack\",\"id\":\"k1\"}");
        assertError(single(), "k1", ErrorCode.INVALID_FIELD);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aFrameAboveTheLimitIsRefusedAndTheConnectionStays() {
        open();
        String big = "{\"type\":\"ping\",\"id\":\"" + "x".repeat(MAX_FRAME) + "\"}";
        text(big);
        assertError(single(), null, ErrorCode.FRAME_TOO_LARGE);
        assertThat(ch.isActive()).isTrue();
        assertThat(gateway.session.frames).isEmpty();
    }

    @Test
    void theLimitCountsBytesNotCharacters() {
        open();
        String body = "é".repeat(MAX_FRAME / 2); // 2 bytes each
        text("{\"type\":\"ping\",\"id\":\"" + body + "\"}");
        assertError(single(), null, ErrorCode.FRAME_TOO_LARGE);
    }

    @Test
    void binaryFramesAreRefusedAndTheConnectionStays() {
        open();
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        JsonNode error = assertError(single(), null, ErrorCode.UNKNOWN_TYPE);
        assertThat(error.get("message").asText()).contains("binary frames are not supported");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void invalidUtf8GetsAnErrorThenClose1007() {
        open();
        ch.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})));
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.INVALID_UTF8);
        Close close = assertClose(out.get(1), 1007);
        assertThat(close.reasonText()).contains("INVALID_UTF8");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void aMessageAboveTheHardLimitCloses1009() {
        open();
        ch.pipeline().fireExceptionCaught(new TooLongFrameException("too long"));
        assertClose(single(), 1009);
    }

    // ---- transport, lifecycle --------------------------------------------------------------

    @Test
    void sendsAreWrittenAsTextFrames() {
        open();
        Transport t = gateway.session.transport;
        t.send(new ServerFrame.Pong("p1", 1));
        t.send(new ServerFrame.Ok("o1"));
        // (EmbeddedChannel runs pending tasks after each write, so the deferred flush cannot be observed here.)
        List<Object> out = outbound();
        assertThat(out).hasSize(2);
        assertThat(json(out.get(0)).get("type").asText()).isEqualTo("pong");
        assertThat(json(out.get(1)).get("type").asText()).isEqualTo("ok");
        assertThat(t.isWritable()).isTrue();
        assertThat(t.executor()).isSameAs(ch.eventLoop());
    }

    @Test
    void theCoreClosesWithAStatusCode() {
        open();
        Transport t = gateway.session.transport;
        t.send(new ServerFrame.Reconnect("server shutting down", 100));
        t.close(1001, "server shutting down");
        t.close(1001, "again"); // idempotent
        List<Object> out = outbound();
        assertThat(json(out.get(0)).get("type").asText()).isEqualTo("reconnect");
        assertThat(assertClose(out.get(1), 1001).reasonText()).isEqualTo("server shutting down");
        assertThat(out).hasSize(2);
        t.send(new ServerFrame.Ok("late")); // dropped, no exception
        assertThat(outbound()).isEmpty();
    }

    @Test
    void readerIdleCloses1001() {
        open();
        WebSocketSessionHandler h = handler();
        long timeout = TimeUnit.SECONDS.toNanos(60);
        assertThat(h.closeIfIdle(System.nanoTime() + timeout / 2, timeout)).isFalse();
        assertThat(outbound()).isEmpty();
        assertThat(h.closeIfIdle(System.nanoTime() + timeout, timeout)).isTrue();
        Close close = assertClose(single(), 1001);
        assertThat(close.reasonText()).isEqualTo("heartbeat timeout");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void aReadResetsTheIdleClock() throws Exception {
        open();
        WebSocketSessionHandler h = handler();
        long timeout = TimeUnit.MILLISECONDS.toNanos(50);
        Thread.sleep(60);
        h.onRead();
        assertThat(h.closeIfIdle(System.nanoTime(), timeout)).isFalse();
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void anIdleHttpConnectionIsClosedWithoutAFrame() {
        WebSocketSessionHandler h = handler();
        assertThat(h.closeIfIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(61), TimeUnit.SECONDS.toNanos(60)))
                .isTrue();
        assertThat(outbound()).isEmpty();
        assertThat(ch.isActive()).isFalse();
    }

    // ---- control frames and fragments (Netty's protocol handler and aggregator, merged) -------

    @Test
    void aPingIsAnsweredWithAPongCarryingItsPayload() {
        open();
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("hb", StandardCharsets.UTF_8)));
        Object pong = single();
        assertThat(pong).isInstanceOf(PongWebSocketFrame.class);
        assertThat(((PongWebSocketFrame) pong).content().toString(StandardCharsets.UTF_8)).isEqualTo("hb");
        ((PongWebSocketFrame) pong).release();
        assertThat(gateway.session.frames).isEmpty();
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void pongsAreDropped() {
        open();
        ch.writeInbound(new PongWebSocketFrame());
        assertThat(outbound()).isEmpty();
        assertThat(gateway.session.frames).isEmpty();
    }

    @Test
    void aCloseFrameIsEchoedAndClosesTheConnection() {
        open();
        ch.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        Close close = assertClose(single(), 1000);
        assertThat(close.reasonText()).isEqualTo("bye");
        assertThat(ch.isActive()).isFalse();
        assertThat(gateway.session.closed).isEqualTo(1);
    }

    @Test
    void closingTheChannelSendsANormalClosureFrame() {
        open();
        ch.close();
        assertClose(single(), 1000);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void fragmentsAreJoinedIntoOneMessage() {
        open();
        ch.writeInbound(new TextWebSocketFrame(false, 0, "{\"type\":\"pi"));
        ch.writeInbound(new PingWebSocketFrame()); // control frames may come between fragments
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, "ng\",\"id\""));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, ":\"p1\"}"));
        ch.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
        List<Object> out = outbound();
        assertThat(out).hasSize(2); // the WebSocket pong, then the session's reply to the ping frame
        assertThat(out.get(0)).isInstanceOf(PongWebSocketFrame.class);
        ((PongWebSocketFrame) out.get(0)).release();
        assertThat(json(out.get(1)).get("type").asText()).isEqualTo("pong");
    }

    @Test
    void fragmentsAboveTheLimitAreRefusedWithAnError() {
        open();
        String part = "x".repeat(MAX_FRAME);
        ch.writeInbound(new TextWebSocketFrame(false, 0, part));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "y"));
        assertError(single(), null, ErrorCode.FRAME_TOO_LARGE);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void fragmentsAboveTheHardLimitClose1009() {
        open();
        String part = "x".repeat(MAX_FRAME);
        ch.writeInbound(new TextWebSocketFrame(false, 0, part));
        for (int i = 0; i < 3; i++) {
            ch.writeInbound(new ContinuationWebSocketFrame(false, 0, part));
        }
        assertThat(outbound()).isEmpty();
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "y"));
        assertClose(single(), 1009);
        assertThat(ch.isActive()).isFalse();
        assertThat(gateway.session.frames).isEmpty();
    }

    @Test
    void channelCloseClosesTheSessionOnce() {
        open();
        ch.close();
        ch.runPendingTasks();
        assertThat(gateway.session.closed).isEqualTo(1);
    }

    @Test
    void writabilityIsForwarded() {
        open();
        ch.pipeline().fireChannelWritabilityChanged();
        assertThat(gateway.session.writable).isEqualTo(1);
    }

    @Test
    void plainHttpPassesThrough() {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
        ch.writeInbound(req);
        assertThat(passedOn).containsExactly(req);
        req.release();
    }

    @Test
    void errorsAndFramesAreCounted() {
        open();
        text("{oops");
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        assertThat(metrics.registry().counter("parley.errors", "code", "MALFORMED_FRAME").count()).isEqualTo(1);
        assertThat(metrics.registry().counter("parley.ws.frames.in").count()).isEqualTo(2);
        assertThat(metrics.registry().counter("parley.ws.frames.out").count()).isEqualTo(2); // the error and the pong
        assertThat(metrics.registry().get("parley.ws.connections").gauge().value()).isEqualTo(1);
    }

    // ---- helpers --------------------------------------------------------------------------

    private WebSocketSessionHandler handler() {
        return ch.pipeline().get(WebSocketSessionHandler.class);
    }

    private void open() {
        handshake("/ws", "Bearer good");
        assertThat(gateway.session).isNotNull();
    }

    private void handshake(String uri, String authorization) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (authorization != null) {
            headers.set("Authorization", authorization);
        }
        ch.pipeline().fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(uri, headers, null));
        ch.runPendingTasks();
    }

    private void text(String s) {
        ch.writeInbound(new TextWebSocketFrame(s));
        ch.runPendingTasks();
    }

    private List<Object> outbound() {
        ch.runPendingTasks();
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            out.add(o);
        }
        return out;
    }

    private Object single() {
        List<Object> out = outbound();
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static JsonNode json(Object frame) {
        assertThat(frame).isInstanceOf(TextWebSocketFrame.class);
        TextWebSocketFrame t = (TextWebSocketFrame) frame;
        try {
            return JSON.readTree(t.content().toString(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            t.release();
        }
    }

    private static JsonNode assertError(Object frame, String id, ErrorCode code) {
        JsonNode n = json(frame);
        assertThat(n.get("type").asText()).isEqualTo("error");
        assertThat(n.get("code").asText()).isEqualTo(code.name());
        if (id == null) {
            assertThat(n.has("id")).as("id of %s", n).isFalse();
        } else {
            assertThat(n.get("id").asText()).isEqualTo(id);
        }
        assertThat(n.get("retryable").asBoolean()).isEqualTo(code.retryable());
        return n;
    }

    private record Close(int statusCode, String reasonText) {
    }

    private static Close assertClose(Object frame, int status) {
        assertThat(frame).isInstanceOf(CloseWebSocketFrame.class);
        CloseWebSocketFrame close = (CloseWebSocketFrame) frame;
        try {
            assertThat(close.statusCode()).isEqualTo(status);
            return new Close(close.statusCode(), close.reasonText());
        } finally {
            close.release();
        }
    }

    private static Device device(String token) {
        return new Device("user_" + token, "dev_" + token, "test", "hash-" + token, Instant.EPOCH, null, null);
    }

    /** Accepts token "good"; records what the handler does. */
    private static final class FakeGateway implements SessionGateway {
        final List<String> tokens = new ArrayList<>();
        final Map<String, Device> devices = new HashMap<>(Map.of("good", device("good")));
        ParleyException failWith;
        CompletableFuture<Device> pending;
        FakeSession session;

        @Override
        public CompletionStage<Device> authenticate(String token) {
            tokens.add(token);
            if (pending != null) {
                return pending;
            }
            if (failWith != null) {
                return CompletableFuture.failedFuture(failWith);
            }
            Device d = devices.get(token);
            return d != null ? CompletableFuture.completedFuture(d)
                    : CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAUTHENTICATED, "bad token"));
        }

        @Override
        public Session open(Device device, Transport transport) {
            session = new FakeSession(device, transport);
            return session;
        }
    }

    private static final class FakeSession implements SessionGateway.Session {
        final Device device;
        final Transport transport;
        final List<ClientFrame> frames = new ArrayList<>();
        int writable;
        int closed;

        FakeSession(Device device, Transport transport) {
            this.device = device;
            this.transport = transport;
        }

        @Override
        public void onFrame(ClientFrame frame) {
            frames.add(frame);
            if (frame instanceof ClientFrame.Ping p) {
                transport.send(new ServerFrame.Pong(p.id(), 0));
            }
        }

        @Override
        public void onWritable() {
            writable++;
        }

        @Override
        public void onClosed() {
            closed++;
        }
    }
}
