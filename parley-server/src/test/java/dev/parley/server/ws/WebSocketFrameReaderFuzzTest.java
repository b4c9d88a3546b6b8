package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes the WebSocket frame reader with byte streams a client could send after the upgrade:
 * well-formed frames of every opcode (masked or not, fragmented, with reserved bits, odd
 * lengths, close statuses of every kind), random bytes, and both cut into random chunks. Whatever
 * arrives, the handler neither throws nor fails with 1011, what it writes is valid RFC 6455 for a
 * client to read, a close it sends carries a status a server may send, and every buffer it was
 * given is released once the connection is gone.
 */
class WebSocketFrameReaderFuzzTest {
    private static final int MAX_FRAME = 512;

    @Property(tries = 1_500)
    void anyByteStreamIsReadSafely(@ForAll("streams") List<byte[]> chunks) {
        ServerMetrics metrics = ServerMetrics.inMemory();
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketSessionHandler(new WebSocketSettings(
                new PingGateway(), new FrameCodec(), metrics, MAX_FRAME, Duration.ofSeconds(10))));
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        List<ByteBuf> given = new ArrayList<>();
        try {
            ch.pipeline().fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete("/ws",
                    new DefaultHttpHeaders().set("Authorization", "Bearer good"), null));
            for (byte[] chunk : chunks) {
                if (!ch.isOpen()) {
                    break;
                }
                if (chunk.length == 0) {
                    continue; // a read delivers at least one byte (and an empty buffer is never released)
                }
                ByteBuf buf = Unpooled.wrappedBuffer(chunk);
                given.add(buf);
                ch.writeInbound(buf);
                ch.runPendingTasks();
            }
            ch.checkException();
            List<Object> out = new ArrayList<>();
            Object o;
            while ((o = ch.readOutbound()) != null) {
                client.writeInbound(o); // throws on anything a client's decoder would refuse
                Object frame;
                while ((frame = client.readInbound()) != null) {
                    out.add(frame);
                }
            }
            for (Object frame : out) {
                if (frame instanceof CloseWebSocketFrame close && close.statusCode() != -1) { // -1: no status, an empty close echoed
                    assertThat(close.statusCode()).as("close status").isNotEqualTo(1011);
                    assertThat(WebSocketFrames.isValidCloseStatus(close.statusCode()))
                            .as("status %d is one a peer may send", close.statusCode()).isTrue();
                }
                ReferenceCountUtil.release(frame);
            }
            assertThat(metrics.registry().get("parley.errors").tag("code", "INTERNAL").counter().count())
                    .as("internal errors").isZero();
        } finally {
            ch.finishAndReleaseAll();
            client.finishAndReleaseAll();
            metrics.close();
        }
        assertThat(given).as("every buffer given is released").allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Provide
    Arbitrary<List<byte[]>> streams() {
        Arbitrary<byte[]> frame = Arbitraries.oneOf(wellFormedFrames(), wellFormedFrames(), wellFormedFrames(),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40));
        return frame.list().ofMinSize(1).ofMaxSize(12).flatMap(frames -> {
            byte[] all = concat(frames);
            return Arbitraries.integers().between(1, Math.max(1, all.length)).list().ofMaxSize(6)
                    .map(cuts -> split(all, cuts));
        });
    }

    /** Frames with every opcode, flags and payload shape, as clients (and broken clients) send them. */
    private static Arbitrary<byte[]> wellFormedFrames() {
        Arbitrary<Integer> opcode = Arbitraries.of(0x0, 0x1, 0x1, 0x1, 0x2, 0x3, 0x8, 0x9, 0xA, 0xB);
        Arbitrary<Boolean> fin = Arbitraries.of(true, true, true, false);
        Arbitrary<Integer> rsv = Arbitraries.of(0, 0, 0, 0, 0x10, 0x20, 0x40);
        Arbitrary<Boolean> masked = Arbitraries.of(true, true, true, true, false);
        Arbitrary<byte[]> payload = Arbitraries.oneOf(
                Arbitraries.of("{\"type\":\"ping\",\"id\":\"p\"}", "{\"type\":\"auth\",\"id\":\"a\",\"token\":\"good\"}",
                        "{\"type\":\"send\"}", "{", "héllo", "").map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers().between(0, 70_000).map(WebSocketFrameReaderFuzzTest::closePayload),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(MAX_FRAME - 2, 4 * MAX_FRAME + 2).map(n -> new byte[n]));
        return Combinators.combine(opcode, fin, rsv, masked, payload)
                .as((op, f, r, m, p) -> WebSocketSessionHandlerTest.frame((f ? 0x80 : 0) | r | op, p, m));
    }

    private static byte[] closePayload(int status) {
        return status >= 65_536 ? new byte[] {0x03} : new byte[] {(byte) (status >>> 8), (byte) status, 'o', 'k'};
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static List<byte[]> split(byte[] all, List<Integer> cuts) {
        List<Integer> at = new ArrayList<>(cuts.stream().filter(c -> c < all.length).sorted().distinct().toList());
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int c : at) {
            chunks.add(Arrays.copyOfRange(all, from, c));
            from = c;
        }
        chunks.add(Arrays.copyOfRange(all, from, all.length));
        return chunks;
    }

    /** Accepts token "good"; its session answers pings as the core does. */
    private static final class PingGateway implements SessionGateway {
        @Override
        public CompletionStage<Device> authenticate(String token) {
            return CompletableFuture.completedFuture(new Device("user_good", "dev_good", "fuzz", "hash", Instant.EPOCH,
                    null, null));
        }

        @Override
        public Transport.Listener open(Device device, Transport transport) {
            return new Transport.Listener() {
                @Override
                public void onFrame(ClientFrame frame) {
                    if (frame instanceof ClientFrame.Ping p) {
                        transport.send(new ServerFrame.Pong(p.id(), 0));
                    }
                }

                @Override
                public void onWritable() {
                }

                @Override
                public void onClosed() {
                }
            };
        }
    }
}
