package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.FrameCodec;
import dev.parley.server.IdleSweep;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebSocketUpgradeHandlerTest {
    private final ServerMetrics metrics = ServerMetrics.inMemory();
    private final WebSocketSessionHandler session = new WebSocketSessionHandler(new RefusingGateway(),
            new FrameCodec(), metrics, 1024, Duration.ofSeconds(10));
    private final EmbeddedChannel ch = new EmbeddedChannel();

    WebSocketUpgradeHandlerTest() {
        ch.pipeline().addLast("http", new HttpServerCodec());
        ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(65536));
        ch.pipeline().addLast("ws-upgrade", new WebSocketUpgradeHandler("/ws", 10_000));
        ch.pipeline().addLast("session", session);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        metrics.close();
    }

    @Test
    void anUpgradeLeavesOnlyTheSession() {
        ch.writeInbound(request("GET /ws?v=1 HTTP/1.1", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(response()).startsWith("HTTP/1.1 101 Switching Protocols")
                .contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(ch.pipeline().names().stream().filter(n -> !n.startsWith("DefaultChannelPipeline$")))
                .containsExactly("session");
        assertThat(WebSocketSessionHandler.isWebSocket(ch)).isTrue();
        assertThat(ch.attr(io.netty.util.AttributeKey.valueOf(
                io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker.class, "HANDSHAKER")).get()).isNull();
    }

    @Test
    void everyReadCountsAsActivityPartialFramesIncluded() throws Exception {
        ch.writeInbound(request("GET /ws HTTP/1.1", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        response();
        Thread.sleep(30);
        long timeout = TimeUnit.MILLISECONDS.toNanos(20);
        // Half a masked ping frame: no frame is complete, but the bytes count as activity.
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x89, (byte) 0x82, 1, 2}));
        assertThat(IdleSweep.sweep(List.<Channel>of(ch), System.nanoTime(), timeout)).isZero();
        assertThat(ch.isActive()).isTrue();
        Thread.sleep(30);
        assertThat(IdleSweep.sweep(List.<Channel>of(ch), System.nanoTime(), timeout)).isEqualTo(1);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void otherVersionsGet426() {
        ch.writeInbound(request("GET /ws HTTP/1.1", "Sec-WebSocket-Version: 8",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(response()).startsWith("HTTP/1.1 426").contains("13");
        assertThat(WebSocketSessionHandler.isWebSocket(ch)).isFalse();
    }

    @Test
    void aHandshakeWithoutKeyGets400AndIsClosed() {
        ch.writeInbound(request("GET /ws HTTP/1.1", "Sec-WebSocket-Version: 13"));
        assertThat(response()).startsWith("HTTP/1.1 400").contains("missing key");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void theResponseIsWrittenAsBytesAndFramesFollowIt() {
        ch.writeInbound(request("GET /ws HTTP/1.1", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(response()).isEqualTo("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
                + "connection: upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        // A masked text frame "{}" (no token at the upgrade, so it must be an auth frame: refused).
        byte[] mask = {1, 2, 3, 4};
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4,
                (byte) ('{' ^ mask[0]), (byte) ('}' ^ mask[1])}));
        String reply = response();
        assertThat(reply).contains("UNAUTHENTICATED");
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void aHandshakeThatIsNotAGetOrLacksUpgradeHeadersGets400() {
        ch.writeInbound(request("POST /ws HTTP/1.1", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Content-Length: 0"));
        assertThat(response()).startsWith("HTTP/1.1 400").contains("method: POST");
        assertThat(ch.isActive()).isFalse();

        EmbeddedChannel other = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketUpgradeHandler("/ws", 10_000));
        other.writeInbound(Unpooled.copiedBuffer("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                StandardCharsets.US_ASCII));
        ByteBuf out = other.readOutbound();
        assertThat(out.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 400").contains("|Upgrade|");
        out.release();
        other.finishAndReleaseAll();
    }

    @Test
    void otherPathsPassOn() {
        ch.writeInbound(request("GET /wsx HTTP/1.1", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="));
        Object passed = ch.readInbound();
        assertThat(passed).isInstanceOf(io.netty.handler.codec.http.FullHttpRequest.class);
        io.netty.util.ReferenceCountUtil.release(passed);
        assertThat(ch.pipeline().get("ws-upgrade")).isNotNull();
    }

    private static ByteBuf request(String line, String... headers) {
        StringBuilder b = new StringBuilder(line).append("\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return Unpooled.copiedBuffer(b.append("\r\n"), StandardCharsets.US_ASCII);
    }

    private String response() {
        ch.runPendingTasks();
        StringBuilder b = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) o;
            b.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return b.toString();
    }

    /** Authentication is not under test here. */
    private static final class RefusingGateway implements SessionGateway {
        @Override
        public java.util.concurrent.CompletionStage<dev.parley.core.account.Device> authenticate(String token) {
            return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("not here"));
        }

        @Override
        public dev.parley.core.delivery.Transport.Listener open(dev.parley.core.account.Device device,
                                                                dev.parley.core.delivery.Transport transport) {
            throw new IllegalStateException("not here");
        }
    }
}
