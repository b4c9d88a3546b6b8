package dev.parley.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpExchangeControl} and {@link HttpBodyLimit} behind a real HTTP codec on an
 * {@code EmbeddedChannel}, with a responder that answers only when the test says so and time
 * that moves only when the test moves it.
 */
class HttpExchangeControlTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Keeps every request it is given; answers them on {@link #answer}. */
    private static final class HeldResponder extends ChannelInboundHandlerAdapter {
        final ArrayDeque<String> held = new ArrayDeque<>();
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FullHttpRequest req = (FullHttpRequest) msg;
            held.add(req.uri());
            req.release();
        }

        void answer() {
            String uri = held.poll();
            byte[] body = ("answer to " + uri).getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(res);
        }
    }

    private final HeldResponder responder = new HeldResponder();
    private EmbeddedChannel ch;

    private EmbeddedChannel channel(int maxPipelined, int maxBody) {
        ch = new EmbeddedChannel(new HttpServerCodec(), new HttpBodyLimit(maxBody),
                new HttpExchangeControl(new HttpExchangeControl.Settings(REQUEST_TIMEOUT, IDLE_TIMEOUT, maxPipelined,
                        () -> false, null, ServerMetrics.inMemory())), responder);
        return ch;
    }

    @AfterEach
    void tearDown() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void pipelinedRequestsArePassedOnOneAtATimeAndAnsweredInOrder() {
        channel(16, 1024);
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(responder.held).containsExactly("/a");
        responder.answer();
        assertThat(responder.held).containsExactly("/b");
        responder.answer();
        responder.answer();
        assertThat(responder.held).isEmpty();
        assertThat(written()).containsSubsequence("answer to /a", "answer to /b", "answer to /c");
    }

    @Test
    void readingPausesAtTheBoundAndResumesWhenAnswered() {
        channel(2, 1024);
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(ch.config().isAutoRead()).isTrue();
        send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(ch.config().isAutoRead()).as("two requests outstanding: reading pauses").isFalse();
        responder.answer();
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(responder.held).containsExactly("/b");
    }

    @Test
    void anIncompleteRequestGets408AfterTheDeadlineEvenIfBytesKeepComing() {
        channel(16, 1024);
        send("GET /slow HTTP/1.1\r\n");
        ch.advanceTimeBy(REQUEST_TIMEOUT.toMillis() - 100, TimeUnit.MILLISECONDS);
        send("Host: x\r\n"); // more bytes: the deadline stays where it was
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        String out = written();
        assertThat(out).startsWith("HTTP/1.1 408 ").contains("\"code\":\"REQUEST_TIMEOUT\"");
        assertThat(ch.isOpen()).isFalse();
        assertThat(responder.held).isEmpty();
    }

    @Test
    void anIdleConnectionIsClosedAndAnActiveOneIsNot() {
        channel(16, 1024);
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        ch.advanceTimeBy(IDLE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("a request is being answered: not idle").isTrue();
        responder.answer();
        ch.advanceTimeBy(IDLE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void unknownVersionsGet505InTheirTurn() {
        channel(16, 1024);
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/9.9\r\nHost: x\r\n\r\n");
        assertThat(written()).isEmpty();
        responder.answer();
        String out = written();
        assertThat(out.indexOf("answer to /a")).isLessThan(out.indexOf("HTTP/1.1 505 "));
        assertThat(out).contains("\"code\":\"HTTP_VERSION_NOT_SUPPORTED\"");
        assertThat(responder.held).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aBodyOverTheLimitGets413WithTheErrorBodyAndTheNextRequestIsServed() {
        channel(16, 16);
        send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n" + "x".repeat(32)
                + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = written();
        assertThat(out).startsWith("HTTP/1.1 413 ").contains("content-type: application/json")
                .contains("{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"request body larger than 16 bytes\","
                        + "\"retryable\":false}}");
        assertThat(responder.held).containsExactly("/next");
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void aBodyOverTheLimitAnnouncedWithExpectContinueGets413WithTheErrorBodyBeforeItIsSent() {
        channel(16, 16);
        send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\nExpect: 100-continue\r\n\r\n");
        String out = written();
        assertThat(out).startsWith("HTTP/1.1 413 ").contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        assertThat(responder.held).isEmpty();
    }

    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Test
    void anUpgradedConnectionLeavesTheHandlerAndGivesBackItsPlace() {
        HttpConnectionLimit limit = new HttpConnectionLimit(1);
        assertThat(limit.tryAcquire()).isTrue();
        ch = new EmbeddedChannel(new HttpServerCodec(), new HttpBodyLimit(1024),
                new HttpExchangeControl(new HttpExchangeControl.Settings(REQUEST_TIMEOUT, IDLE_TIMEOUT, 16, () -> false,
                        limit, ServerMetrics.inMemory())),
                new dev.parley.server.ws.WebSocketUpgradeHandler("/ws", 10_000), responder);
        send(UPGRADE);
        assertThat(written()).startsWith("HTTP/1.1 101 ");
        assertThat(ch.pipeline().get(HttpExchangeControl.class)).isNull();
        assertThat(limit.open()).isZero();
        assertThat(limit.tryAcquire()).isTrue();
    }

    @Test
    void whileDrainingAWebSocketUpgradeGets503AndRestStillWorks() {
        ch = new EmbeddedChannel(new HttpServerCodec(), new HttpBodyLimit(1024),
                new HttpExchangeControl(new HttpExchangeControl.Settings(REQUEST_TIMEOUT, IDLE_TIMEOUT, 16, () -> true,
                        null, ServerMetrics.inMemory())), responder);
        send("GET /v1/x HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(responder.held).containsExactly("/v1/x");
        responder.answer();
        send(UPGRADE);
        String out = written();
        assertThat(out).contains("answer to /v1/x").contains("HTTP/1.1 503 ").containsIgnoringCase("retry-after: 1")
                .contains("\"code\":\"SHUTTING_DOWN\"").contains("\"retryable\":true");
        assertThat(ch.isOpen()).isFalse();
    }

    private void send(String bytes) {
        ch.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
    }

    /** Everything written to the peer so far. */
    private String written() {
        List<String> parts = new ArrayList<>();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            parts.add(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return String.join("", parts);
    }
}
