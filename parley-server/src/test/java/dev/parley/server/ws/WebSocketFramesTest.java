package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The stateless wire format: header checks, lengths, unmasking, and the frames the server writes. */
class WebSocketFramesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final int FIN = 0x80;
    private static final int MASKED = 0x80;

    @Test
    void wellFormedClientHeadersPass() {
        assertThat(WebSocketFrames.headerViolation(FIN | 0x1, MASKED | 5, false)).isNull();
        assertThat(WebSocketFrames.headerViolation(0x2, MASKED | 127, false)).as("first fragment").isNull();
        assertThat(WebSocketFrames.headerViolation(FIN | 0x0, MASKED | 3, true)).as("last fragment").isNull();
        assertThat(WebSocketFrames.headerViolation(FIN | 0x9, MASKED | 125, true)).as("ping between fragments").isNull();
        assertThat(WebSocketFrames.headerViolation(FIN | 0x8, MASKED, false)).as("empty close").isNull();
    }

    @Test
    void eachViolationOfAClientHeaderIsNamed() {
        assertThat(WebSocketFrames.headerViolation(FIN | 0x40 | 0x1, MASKED, false)).contains("RSV");
        assertThat(WebSocketFrames.headerViolation(FIN | 0x1, 5, false)).isEqualTo("client frame is not masked");
        assertThat(WebSocketFrames.headerViolation(FIN | 0xB, MASKED, false)).isEqualTo("control frame with reserved opcode 11");
        assertThat(WebSocketFrames.headerViolation(0x9, MASKED, false)).isEqualTo("fragmented control frame");
        assertThat(WebSocketFrames.headerViolation(FIN | 0xA, MASKED | 126, false)).contains("above 125 bytes");
        assertThat(WebSocketFrames.headerViolation(FIN | 0x8, MASKED | 1, false)).contains("1-byte payload");
        assertThat(WebSocketFrames.headerViolation(FIN | 0x3, MASKED, false)).isEqualTo("data frame with reserved opcode 3");
        assertThat(WebSocketFrames.headerViolation(FIN | 0x0, MASKED, false)).contains("outside a fragmented message");
        assertThat(WebSocketFrames.headerViolation(FIN | 0x1, MASKED, true)).contains("inside a fragmented message");
    }

    @Test
    void lengthsInSevenSixteenAndSixtyFourBits() {
        assertThat(length(MASKED | 125)).isEqualTo(125);
        assertThat(length(MASKED | 126, 0x00, 0x7E)).isEqualTo(126);
        assertThat(length(MASKED | 126, 0xFF, 0xFF)).isEqualTo(65535);
        assertThat(length(MASKED | 127, 0, 0, 0, 0, 0, 1, 0, 0)).isEqualTo(65536);
        assertThat(length(MASKED | 127, 0, 0, 0, 1, 0, 0, 0, 0)).isEqualTo(1L << 32);
    }

    @Test
    void aLengthNotAllThereIsIncomplete() {
        assertThat(length(MASKED | 126, 0x01)).isEqualTo(WebSocketFrames.INCOMPLETE);
        assertThat(length(MASKED | 127, 0, 0, 0, 0, 0, 1, 0)).isEqualTo(WebSocketFrames.INCOMPLETE);
    }

    @Test
    void aLengthThatFitsAShorterEncodingOrIsNegativeIsRefused() {
        assertThat(length(MASKED | 126, 0x00, 0x7D)).isEqualTo(WebSocketFrames.NOT_MINIMAL);
        assertThat(length(MASKED | 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF)).isEqualTo(WebSocketFrames.NOT_MINIMAL);
        assertThat(length(MASKED | 127, 0x80, 0, 0, 0, 0, 0, 0, 0)).isEqualTo(WebSocketFrames.NEGATIVE);
    }

    @Test
    void aClientHeaderCountsItsMaskingKey() {
        assertThat(WebSocketFrames.clientHeaderBytes(MASKED | 125)).isEqualTo(6);
        assertThat(WebSocketFrames.clientHeaderBytes(MASKED | 126)).isEqualTo(8);
        assertThat(WebSocketFrames.clientHeaderBytes(MASKED | 127)).isEqualTo(14);
    }

    @Test
    void unmaskingIsTheXorWithTheKeyForEveryLength() {
        int mask = 0x37FA213D;
        byte[] key = {0x37, (byte) 0xFA, 0x21, 0x3D};
        for (int n = 0; n <= 21; n++) {
            byte[] plain = new byte[n];
            Arrays.fill(plain, (byte) 'a');
            byte[] masked = new byte[n];
            for (int i = 0; i < n; i++) {
                masked[i] = (byte) (plain[i] ^ key[i % 4]);
            }
            ByteBuf buf = Unpooled.wrappedBuffer(masked);
            WebSocketFrames.unmask(buf, mask);
            assertThat(buf.array()).as("%d bytes", n).isEqualTo(plain);
        }
        ByteBuf unmasked = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        WebSocketFrames.unmask(unmasked, 0);
        assertThat(unmasked.array()).containsExactly(1, 2, 3);
    }

    @Test
    void closeStatusesAPeerMaySend() {
        for (int status : new int[] {1000, 1001, 1002, 1003, 1007, 1014, 3000, 4999}) {
            assertThat(WebSocketFrames.isValidCloseStatus(status)).as("%d", status).isTrue();
        }
        for (int status : new int[] {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535}) {
            assertThat(WebSocketFrames.isValidCloseStatus(status)).as("%d", status).isFalse();
        }
    }

    @Test
    void writtenFramesOfEveryHeaderSizeAreReadByAClient() {
        for (int n : new int[] {0, 125, 126, 65535, 65536}) {
            ByteBuf payload = Unpooled.buffer(n).writeZero(n);
            WebSocketFrame read = readByClient(WebSocketFrames.wireFrame(ALLOC, WebSocketFrames.OPCODE_BINARY, payload));
            assertThat(payload.refCnt()).as("payload released").isZero();
            assertThat(read).isInstanceOf(BinaryWebSocketFrame.class);
            assertThat(read.isFinalFragment()).isTrue();
            assertThat(read.content().readableBytes()).as("%d bytes", n).isEqualTo(n);
            read.release();
        }
    }

    @Test
    void aHeaderWrittenInPlaceMatchesItsSize() {
        for (int n : new int[] {5, 300, 70_000}) {
            ByteBuf wire = ALLOC.buffer(WebSocketFrames.MAX_HEADER_BYTES + n);
            wire.writerIndex(WebSocketFrames.MAX_HEADER_BYTES).writeZero(n);
            int start = WebSocketFrames.MAX_HEADER_BYTES - WebSocketFrames.headerBytes(n);
            WebSocketFrames.setHeader(wire, start, WebSocketFrames.OPCODE_TEXT, n);
            wire.readerIndex(start);
            WebSocketFrame read = readByClient(wire);
            assertThat(read).isInstanceOf(TextWebSocketFrame.class);
            assertThat(read.content().readableBytes()).isEqualTo(n);
            read.release();
        }
    }

    @Test
    void aCloseReasonIsCutToWholeCharactersWithinAControlFrame() {
        String reason = "é".repeat(100); // 200 bytes in UTF-8
        CloseWebSocketFrame close = (CloseWebSocketFrame) readByClient(WebSocketFrames.closeFrame(ALLOC, 1008, reason));
        assertThat(close.statusCode()).isEqualTo(1008);
        assertThat(close.reasonText()).isEqualTo("é".repeat(61));
        assertThat(close.content().readableBytes()).isLessThanOrEqualTo(WebSocketFrames.MAX_CONTROL_PAYLOAD);
        close.release();
    }

    @Test
    void nettysFramesMapToTheirOpcodes() {
        assertThat(WebSocketFrames.opcodeOf(new TextWebSocketFrame("x"))).isEqualTo(WebSocketFrames.OPCODE_TEXT);
        assertThat(WebSocketFrames.opcodeOf(new BinaryWebSocketFrame())).isEqualTo(WebSocketFrames.OPCODE_BINARY);
        assertThat(WebSocketFrames.opcodeOf(new CloseWebSocketFrame())).isEqualTo(WebSocketFrames.OPCODE_CLOSE);
        assertThat(WebSocketFrames.opcodeOf(new PingWebSocketFrame())).isEqualTo(WebSocketFrames.OPCODE_PING);
        assertThat(WebSocketFrames.opcodeOf(new PongWebSocketFrame())).isEqualTo(WebSocketFrames.OPCODE_PONG);
    }

    @Test
    void aCloseReasonMustBeUtf8() {
        ByteBuf good = Unpooled.buffer().writeShort(1000).writeBytes("bye".getBytes(StandardCharsets.UTF_8));
        ByteBuf bad = Unpooled.buffer().writeShort(1000).writeByte(0xC3);
        assertThat(WebSocketFrames.isUtf8Reason(good)).isTrue();
        assertThat(WebSocketFrames.isUtf8Reason(bad)).isFalse();
    }

    /** The length read from a header whose second byte is {@code b1}, followed by {@code rest}. */
    private static long length(int b1, int... rest) {
        ByteBuf in = Unpooled.buffer().writeByte(FIN | 0x2).writeByte(b1);
        for (int b : rest) {
            in.writeByte(b);
        }
        return WebSocketFrames.payloadLength(in, 0, in.readableBytes());
    }

    /** Netty's client-side decoder is the oracle for what the server writes. */
    private static WebSocketFrame readByClient(ByteBuf wire) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        try {
            client.writeInbound(wire);
            WebSocketFrame frame = client.readInbound();
            assertThat(frame).isNotNull();
            assertThat((Object) client.readInbound()).as("one frame").isNull();
            return frame;
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
