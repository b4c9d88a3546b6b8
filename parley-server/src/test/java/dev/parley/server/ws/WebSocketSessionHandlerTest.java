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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.embedded.EmbeddedChannel;
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
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.channels.ClosedChannelException;
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
import java.util.concurrent.atomic.AtomicLong;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebSocketSessionHandlerTest {
    private static final int MAX_FRAME = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeGateway gateway = new FakeGateway();
    private final ServerMetrics metrics = ServerMetrics.inMemory();
    private final List<Object> passedOn = new ArrayList<>();
    private StuckSocket socket;
    private EmbeddedChannel ch = channel(new WebSocketSettings(gateway, new FrameCodec(), metrics, MAX_FRAME,
            Duration.ofSeconds(10)));
    /** The rate limit's clock in the tests of limits. */
    private final AtomicLong nanos = new AtomicLong();

    /** Netty's client-side decoder reads what the handler writes: the test's oracle for the encoding. */
    private final EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        client.finishAndReleaseAll();
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
    void aFrameAboveTheHardLimitCloses1009AsSoonAsItsHeaderArrives() {
        open();
        int tooLong = 4 * MAX_FRAME + 1;
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) (0x80 | 126), (byte) (tooLong >> 8),
                (byte) tooLong}));
        assertThat(assertClose(single(), 1009).reasonText()).contains("FRAME_TOO_LARGE");
        assertThat(ch.isActive()).isFalse();
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
    void longFramesGetTwoAndEightByteLengths() {
        open();
        Transport t = gateway.session.transport;
        t.send(new ServerFrame.Ok("m".repeat(300)));
        t.send(new ServerFrame.Ok("l".repeat(70_000)));
        List<Object> out = outbound();
        assertThat(json(out.get(0)).get("id").asText()).isEqualTo("m".repeat(300));
        assertThat(json(out.get(1)).get("id").asText()).isEqualTo("l".repeat(70_000));
    }

    @Test
    void framesWrittenToTheChannelAreEncodedToo() {
        open();
        ch.writeAndFlush(new TextWebSocketFrame("{\"type\":\"ok\",\"id\":\"x\"}"));
        assertThat(json(single()).get("id").asText()).isEqualTo("x");
    }

    @Test
    void aLongCloseReasonIsCutToFitAControlFrame() {
        open();
        gateway.session.transport.close(1001, "é".repeat(200));
        Close close = assertClose(single(), 1001);
        assertThat(close.reasonText()).isEqualTo("é".repeat(61)); // 122 bytes; 62 would be 124 > 123
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

    // ---- the wire format: frames read from bytes (RFC 6455 section 5) -----------------------

    @Test
    void framesSplitAnywhereAreReadWhole() {
        open();
        String json = "{\"type\":\"ping\",\"id\":\"p1\"" + " ".repeat(300) + "}"; // 2-byte length
        byte[] wire = concat(frame(0x89, "hb".getBytes(StandardCharsets.UTF_8), true),
                frame(0x81, json.getBytes(StandardCharsets.UTF_8), true));
        for (byte b : wire) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        ch.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
        List<Object> out = outbound();
        assertThat(out).hasSize(2);
        PongWebSocketFrame pong = (PongWebSocketFrame) out.get(0);
        assertThat(pong.content().toString(StandardCharsets.UTF_8)).isEqualTo("hb");
        pong.release();
        assertThat(json(out.get(1)).get("type").asText()).isEqualTo("pong");
    }

    @Test
    void severalFramesInOneReadAreAllHandled() {
        open();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(
                frame(0x81, "{\"type\":\"ping\",\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8), true),
                frame(0x8A, new byte[0], true),
                frame(0x81, "{\"type\":\"ping\",\"id\":\"b\"}".getBytes(StandardCharsets.UTF_8), true))));
        ch.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("a"), new ClientFrame.Ping("b"));
    }

    @Test
    void everyPayloadLengthIsUnmasked() {
        open();
        for (int n = 0; n <= 20; n++) {
            ch.writeInbound(Unpooled.wrappedBuffer(frame(0x89, "0123456789abcdefghij".substring(0, n)
                    .getBytes(StandardCharsets.US_ASCII), true)));
            PongWebSocketFrame pong = (PongWebSocketFrame) single();
            assertThat(pong.content().toString(StandardCharsets.US_ASCII))
                    .isEqualTo("0123456789abcdefghij".substring(0, n));
            pong.release();
        }
    }

    @Test
    void aLargeFrameWithAnEightByteLengthIsRead() {
        WebSocketSettings big = new WebSocketSettings(gateway, new FrameCodec(), metrics, 100_000, Duration.ofSeconds(10));
        EmbeddedChannel wide = new EmbeddedChannel(new WebSocketSessionHandler(big));
        wide.pipeline().fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete("/ws",
                new DefaultHttpHeaders().set("Authorization", "Bearer good"), null));
        wide.runPendingTasks();
        String json = "{\"type\":\"ping\",\"id\":\"q1\"" + " ".repeat(70_000) + "}"; // 8-byte length
        wide.writeInbound(Unpooled.wrappedBuffer(frame(0x81, json.getBytes(StandardCharsets.UTF_8), true)));
        wide.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("q1"));
        wide.finishAndReleaseAll();
    }

    @Test
    void bytesRightBehindTheHandshakeWaitForIt() {
        ch.writeInbound(Unpooled.wrappedBuffer(
                frame(0x81, "{\"type\":\"ping\",\"id\":\"early\"}".getBytes(StandardCharsets.UTF_8), true)));
        open();
        ch.runPendingTasks();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("early"));
    }

    @Test
    void anUnmaskedFrameCloses1002() {
        assertProtocolViolation(frame(0x81, "{}".getBytes(StandardCharsets.UTF_8), false));
    }

    @Test
    void reservedBitsClose1002() {
        assertProtocolViolation(frame(0x81 | 0x40, "{}".getBytes(StandardCharsets.UTF_8), true));
    }

    @Test
    void aReservedDataOpcodeCloses1002() {
        assertProtocolViolation(frame(0x83, new byte[0], true));
    }

    @Test
    void aReservedControlOpcodeCloses1002() {
        assertProtocolViolation(frame(0x8B, new byte[0], true));
    }

    @Test
    void aFragmentedControlFrameCloses1002() {
        assertProtocolViolation(frame(0x09, new byte[0], true));
    }

    @Test
    void aControlFrameAbove125BytesCloses1002() {
        assertProtocolViolation(frame(0x89, new byte[126], true));
    }

    @Test
    void aContinuationWithoutAStartCloses1002() {
        assertProtocolViolation(frame(0x80, "x".getBytes(StandardCharsets.UTF_8), true));
    }

    @Test
    void aNewMessageInsideAFragmentedOneCloses1002() {
        assertProtocolViolation(concat(frame(0x01, "{".getBytes(StandardCharsets.UTF_8), true),
                frame(0x81, "{}".getBytes(StandardCharsets.UTF_8), true)));
    }

    @Test
    void aNonMinimalLengthCloses1002() {
        byte[] wire = {(byte) 0x81, (byte) (0x80 | 126), 0, 2, 1, 2, 3, 4, 'x', 'y'};
        assertProtocolViolation(wire);
    }

    @Test
    void aCloseFrameWithOneBytePayloadCloses1002() {
        assertProtocolViolation(frame(0x88, new byte[] {3}, true));
    }

    @Test
    void aCloseFrameWithAnInvalidStatusCloses1002() {
        assertProtocolViolation(frame(0x88, new byte[] {0x03, (byte) 0xED}, true)); // 1005 must not be sent
    }

    @Test
    void aCloseReasonThatIsNotUtf8Closes1007() {
        open();
        ch.writeInbound(Unpooled.wrappedBuffer(frame(0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28}, true)));
        assertClose(single(), 1007);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void anEmptyCloseFrameIsEchoedAndNothingAfterItIsRead() {
        open();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(frame(0x88, new byte[0], true),
                frame(0x81, "{\"type\":\"ping\",\"id\":\"late\"}".getBytes(StandardCharsets.UTF_8), true))));
        Object echo = single();
        assertThat(echo).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(((CloseWebSocketFrame) echo).content().readableBytes()).isZero();
        ((CloseWebSocketFrame) echo).release();
        assertThat(ch.isActive()).isFalse();
        assertThat(gateway.session.frames).isEmpty();
    }

    @Test
    void aPartialFrameIsReleasedWhenTheConnectionCloses() {
        open();
        ByteBuf half = Unpooled.buffer().writeBytes(new byte[] {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 'a'});
        ch.writeInbound(half);
        ch.close();
        assertThat(half.refCnt()).isZero();
    }

    private void assertProtocolViolation(byte[] wire) {
        open();
        ch.writeInbound(Unpooled.wrappedBuffer(wire));
        assertClose(single(), 1002);
        assertThat(ch.isActive()).isFalse();
        assertThat(gateway.session.frames).isEmpty();
        assertThat(gateway.session.closed).isEqualTo(1);
    }

    // ---- bounds: rate limit, outbound hard limit, reading paused, close deadline --------------

    /** A handler with a rate limit of {@code perSecond}, {@code burst}, a hard limit and a 1 s close timeout. */
    private void limits(int perSecond, int burst, int outboundHardLimit) {
        ch.finishAndReleaseAll();
        ch = channel(new WebSocketSettings(gateway, new FrameCodec(), metrics, MAX_FRAME, Duration.ofSeconds(10),
                outboundHardLimit, Duration.ofSeconds(1), perSecond, burst, nanos::get));
    }

    private double counted(String meter) {
        return metrics.registry().counter(meter).count();
    }

    @Test
    void pingsBeyondTheRateLimitGetNoPong() {
        limits(10, 5, 1 << 20);
        open();
        for (int i = 0; i < 8; i++) {
            ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("p" + i, StandardCharsets.UTF_8)));
        }
        List<Object> out = outbound();
        assertThat(out).hasSize(5).allMatch(PongWebSocketFrame.class::isInstance);
        out.forEach(ReferenceCountUtil::release);
        assertThat(counted("parley.ws.frames.refused")).isEqualTo(3);

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100)); // one frame's worth at 10/s
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("later", StandardCharsets.UTF_8)));
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("too soon", StandardCharsets.UTF_8)));
        Object pong = single();
        assertThat(((PongWebSocketFrame) pong).content().toString(StandardCharsets.UTF_8)).isEqualTo("later");
        ReferenceCountUtil.release(pong);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void malformedAndBinaryFramesBeyondTheRateLimitGetNoError() {
        limits(10, 3, 1 << 20);
        open();
        for (int i = 0; i < 5; i++) {
            text("{broken");
        }
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        ch.writeInbound(new TextWebSocketFrame("x".repeat(MAX_FRAME + 1)));
        List<Object> out = outbound();
        assertThat(out).hasSize(3);
        out.forEach(f -> assertError(f, null, ErrorCode.MALFORMED_FRAME));
        assertThat(counted("parley.ws.frames.refused")).isEqualTo(4);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void requestsBeyondTheRateLimitGetRateLimitedWithTheirId() {
        limits(10, 2, 1 << 20);
        open();
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        text("{\"type\":\"ping\",\"id\":\"p2\"}");
        text("{\"type\":\"ping\",\"id\":\"p3\"}");
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"), new ClientFrame.Ping("p2"));
        List<Object> out = outbound();
        assertThat(out).hasSize(3);
        json(out.get(0));
        json(out.get(1));
        assertError(out.get(2), "p3", ErrorCode.RATE_LIMITED);
    }

    @Test
    void pingsBeforeAuthenticationCountAndAFrameOverTheLimitCloses1008() {
        limits(10, 3, 1 << 20);
        handshake("/ws", null);
        for (int i = 0; i < 4; i++) {
            ch.writeInbound(new PingWebSocketFrame());
        }
        List<Object> pongs = outbound();
        assertThat(pongs).hasSize(3);
        pongs.forEach(ReferenceCountUtil::release);
        text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"good\"}");
        List<Object> out = outbound();
        assertError(out.get(0), null, ErrorCode.RATE_LIMITED);
        assertClose(out.get(1), 1008);
        assertThat(gateway.tokens).isEmpty();
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void framesWaitAndReadingStopsWhileTheConnectionIsNotWritable() {
        open();
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.runPendingTasks(); // the writability change is announced in a task
        assertThat(ch.config().isAutoRead()).as("still reading while little waits: heartbeats are seen").isTrue();
        text("{\"type\":\"ping\",\"id\":\"p1\"}");
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("hb", StandardCharsets.UTF_8)));
        assertThat(gateway.session.frames).isEmpty();
        assertThat(outbound()).isEmpty();

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        assertThat(ch.config().isAutoRead()).as("reading resumed").isTrue();
        assertThat(gateway.session.frames).containsExactly(new ClientFrame.Ping("p1"));
        assertThat(gateway.session.writable).isEqualTo(1);
        List<Object> out = outbound();
        assertThat(out).hasSize(2);
        assertThat(json(out.get(0)).get("type").asText()).isEqualTo("pong");
        assertThat(out.get(1)).isInstanceOf(PongWebSocketFrame.class);
        ReferenceCountUtil.release(out.get(1));
    }

    @Test
    void readingStopsOnceEnoughWaitsWhileTheConnectionIsNotWritable() {
        open();
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.runPendingTasks();
        text("{\"type\":\"ping\",\"id\":\"" + "p".repeat(WebSocketSessionHandler.HELD_WHILE_NOT_WRITABLE) + "\"}");
        assertThat(ch.config().isAutoRead()).as("reading paused").isFalse();
        assertThat(gateway.session.frames).isEmpty();
        assertThat(outbound()).isEmpty();
    }

    @Test
    void aReplyThatWouldPassTheOutboundHardLimitIsNotSentAndCloses1008() {
        limits(100, 200, 5000);
        open();
        WebSocketSessionHandler h = handler();
        ServerFrame big = new ServerFrame.Error(null, "INTERNAL", "x".repeat(1000), false);
        socket.stuck = true;
        List<Long> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gateway.session.transport.send(big);
            ch.runPendingTasks();
            waiting.add(h.pendingOutboundBytes());
        }
        assertThat(waiting.get(3)).as("four replies wait").isGreaterThan(4 * 1000);
        assertThat(waiting).allMatch(n -> n <= 5000);
        assertThat(counted("parley.ws.outbound.overflows")).isEqualTo(1);
        socket.unstick();
        List<Object> out = outbound();
        assertThat(out).hasSize(5);
        for (int i = 0; i < 4; i++) {
            assertThat(json(out.get(i)).get("message").asText()).hasSize(1000);
        }
        Close close = assertClose(out.get(4), 1008);
        assertThat(close.reasonText()).contains("outbound limit exceeded");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void aCloseFrameThatIsNotWrittenInTimeDropsTheConnection() {
        limits(100, 200, 1 << 20);
        open();
        ch.freezeTime();
        socket.stuck = true; // the peer stopped reading: nothing written completes
        gateway.session.transport.close(1008, "policy");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("waiting for the close frame to be written").isTrue();
        ch.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("dropped at the close timeout").isFalse();
        assertThat(counted("parley.ws.close.timeouts")).isEqualTo(1);
        assertThat(gateway.session.closed).isEqualTo(1);
    }

    @Test
    void theIdleSweepDropsAConnectionWhoseCloseIsStuck() {
        open();
        socket.stuck = true;
        WebSocketSessionHandler h = handler();
        long timeout = TimeUnit.SECONDS.toNanos(60);
        assertThat(h.closeIfIdle(System.nanoTime() + timeout, timeout)).isTrue();
        assertThat(ch.isOpen()).as("the close frame is not written").isTrue();
        assertThat(h.closeIfIdle(System.nanoTime() + 2 * timeout, timeout)).isTrue();
        assertThat(ch.isOpen()).isFalse();
    }

    /**
     * Stands for the socket: passes writes on or, while {@link #stuck}, keeps them as a socket does
     * whose peer does not read: waiting, and counted in the channel's pending bytes and writability.
     */
    private static final class StuckSocket extends ChannelOutboundHandlerAdapter {
        boolean stuck;
        private ChannelHandlerContext ctx;
        private PendingWriteQueue held;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.held = new PendingWriteQueue(ctx);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (stuck) {
                held.add(msg, promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!stuck) {
                ctx.flush();
            }
        }

        /** The peer reads again: what waited is written. */
        void unstick() {
            stuck = false;
            held.removeAndWriteAll();
            ctx.flush();
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            held.removeAndFailAll(new ClosedChannelException());
            ctx.close(promise);
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private EmbeddedChannel channel(WebSocketSettings settings) {
        socket = new StuckSocket();
        return new EmbeddedChannel(
                socket,
                new ClientFrames(),
                new WebSocketSessionHandler(settings),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passedOn.add(msg);
                    }
                });
    }

    private static final byte[] MASK = {0x37, (byte) 0xFA, 0x21, 0x3D};

    /** A frame as a client sends it: {@code b0} is FIN, RSV and opcode; masked unless told otherwise. */
    static byte[] frame(int b0, byte[] payload, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b0);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            out.write(maskBit | 126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >> shift));
            }
        }
        if (masked) {
            out.writeBytes(MASK);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ MASK[i % 4] : payload[i]);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Turns the frames a test writes inbound into the masked bytes a client would send. */
    private static final class ClientFrames extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof WebSocketFrame f)) {
                ctx.fireChannelRead(msg);
                return;
            }
            int opcode = f instanceof ContinuationWebSocketFrame ? 0 : f instanceof TextWebSocketFrame ? 1
                    : f instanceof BinaryWebSocketFrame ? 2 : f instanceof CloseWebSocketFrame ? 8
                    : f instanceof PingWebSocketFrame ? 9 : 10;
            byte[] payload = ByteBufUtil.getBytes(f.content());
            int b0 = (f.isFinalFragment() ? 0x80 : 0) | opcode;
            f.release();
            ctx.fireChannelRead(Unpooled.wrappedBuffer(frame(b0, payload, true)));
        }
    }

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

    /** What the handler wrote, as frames (decoded by Netty's client-side decoder). */
    private List<Object> outbound() {
        ch.runPendingTasks();
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            assertThat(o).isInstanceOf(ByteBuf.class);
            client.writeInbound(o);
            Object frame;
            while ((frame = client.readInbound()) != null) {
                out.add(frame);
            }
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
        public Transport.Listener open(Device device, Transport transport) {
            session = new FakeSession(device, transport);
            return session;
        }
    }

    private static final class FakeSession implements Transport.Listener {
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
