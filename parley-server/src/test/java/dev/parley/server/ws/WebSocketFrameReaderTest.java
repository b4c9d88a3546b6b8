package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reader's state alone, on a subclass that records what it is handed: frames cut anywhere,
 * fragments joined, violations found in the header, and nothing kept once released.
 */
class WebSocketFrameReaderTest {
    private static final int HARD_LIMIT = 100;

    private final RecordingReader reader = new RecordingReader();
    private final EmbeddedChannel ch = new EmbeddedChannel(reader);

    @AfterEach
    void tearDown() {
        reader.messages.forEach(WebSocketFrame::release);
        reader.releaseReaderState();
        ch.finishAndReleaseAll();
    }

    @Test
    void aFrameCutAnywhereIsReadOnceItIsWhole() {
        byte[] frame = clientFrame(0x81, "hello");
        for (int cut = 1; cut < frame.length; cut++) {
            ByteBuf in = reader.withPartialFrame(Unpooled.wrappedBuffer(frame, 0, cut));
            assertThat(reader.readFrame(in)).as("cut at %d", cut).isFalse();
            assertThat(in.readerIndex()).as("nothing consumed").isZero();
            reader.keepPartialFrame(in);
            assertThat(reader.heldBytes()).isEqualTo(cut);
            ByteBuf whole = reader.withPartialFrame(Unpooled.wrappedBuffer(frame, cut, frame.length - cut));
            assertThat(reader.heldBytes()).as("taken").isZero();
            assertThat(reader.readFrame(whole)).isTrue();
            assertThat(whole.isReadable()).isFalse();
            whole.release();
        }
        assertThat(reader.messages).hasSize(frame.length - 1).allSatisfy(m -> assertThat(text(m)).isEqualTo("hello"));
    }

    @Test
    void fragmentsAreJoinedIntoOneMessageOfTheFirstFramesType() {
        read(clientFrame(0x02, "ab"), clientFrame(0x89, "p"), clientFrame(0x00, "cd"), clientFrame(0x80, "e"));
        assertThat(reader.pings).containsExactly("p");
        assertThat(reader.messages).hasSize(1);
        assertThat(reader.messages.get(0)).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(text(reader.messages.get(0))).isEqualTo("abcde");
    }

    @Test
    void fragmentsAboveTheHardLimitTogetherClose1009AndAreFreed() {
        read(clientFrame(0x01, "x".repeat(60)), clientFrame(0x80, "y".repeat(60)));
        assertThat(reader.messages).isEmpty();
        assertThat(reader.closes).containsExactly("1009 FRAME_TOO_LARGE: message above 100 bytes");
    }

    @Test
    void aFrameAboveTheHardLimitClosesAsSoonAsItsHeaderArrives() {
        byte[] frame = clientFrame(0x81, "z".repeat(HARD_LIMIT + 1));
        ByteBuf header = Unpooled.wrappedBuffer(frame, 0, 2);
        assertThat(reader.readFrame(header)).isFalse();
        header.release();
        assertThat(reader.closes).containsExactly("1009 FRAME_TOO_LARGE: message above 100 bytes");
    }

    @Test
    void aViolationClosesWith1002() {
        read(new byte[] {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}); // not masked
        assertThat(reader.closes).containsExactly("1002 client frame is not masked");
        assertThat(reader.messages).isEmpty();
    }

    @Test
    void aCloseFrameIsCheckedBeforeItIsHandedOn() {
        read(clientFrame(0x88, new byte[] {0x03, (byte) 0xE8, 'o', 'k'}));
        assertThat(reader.closeFrames).containsExactly(1000);
        reader.closes.clear();
        read(clientFrame(0x88, new byte[] {0x03, (byte) 0xED}));
        assertThat(reader.closes).containsExactly("1002 invalid close status code 1005");
        reader.closes.clear();
        read(clientFrame(0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3}));
        assertThat(reader.closes).containsExactly("1007 close reason is not valid UTF-8");
        assertThat(reader.closeFrames).containsExactly(1000);
    }

    @Test
    void pongsAreDropped() {
        read(clientFrame(0x8A, "p"));
        assertThat(reader.pings).isEmpty();
        assertThat(reader.messages).isEmpty();
        assertThat(reader.closes).isEmpty();
    }

    @Test
    void releasingFreesAPartialFrameAndFragments() {
        read(clientFrame(0x01, "start"));
        ByteBuf partial = Unpooled.wrappedBuffer(clientFrame(0x80, "end"), 0, 3);
        reader.keepPartialFrame(reader.withPartialFrame(partial));
        reader.releaseReaderState();
        assertThat(partial.refCnt()).isZero();
        assertThat(reader.heldBytes()).isZero();
        assertThat(reader.takePartialFrame()).isNull();
        read(clientFrame(0x81, "new"));
        assertThat(reader.closes).as("no fragmented message is open any more").isEmpty();
        assertThat(text(reader.messages.get(0))).isEqualTo("new");
    }

    private void read(byte[]... frames) {
        for (byte[] f : frames) {
            ByteBuf in = Unpooled.wrappedBuffer(f);
            while (reader.readFrame(in)) {
                // every whole frame
            }
            in.release();
        }
    }

    private static String text(WebSocketFrame m) {
        return m.content().toString(StandardCharsets.UTF_8);
    }

    private static byte[] clientFrame(int b0, String payload) {
        return clientFrame(b0, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] clientFrame(int b0, byte[] payload) {
        return WebSocketSessionHandlerTest.frame(b0, payload, true);
    }

    /** Records what the reader hands on; a close only records (the glue would write it). */
    private static final class RecordingReader extends WebSocketFrameReader {
        final List<WebSocketFrame> messages = new ArrayList<>();
        final List<String> pings = new ArrayList<>();
        final List<Integer> closeFrames = new ArrayList<>();
        final List<String> closes = new ArrayList<>();

        @Override
        long hardLimit() {
            return HARD_LIMIT;
        }

        @Override
        void onMessage(WebSocketFrame message) {
            assertThat(message).isInstanceOfAny(TextWebSocketFrame.class, BinaryWebSocketFrame.class);
            messages.add(message);
        }

        @Override
        void onPing(ByteBuf payload) {
            pings.add(payload.toString(StandardCharsets.UTF_8));
            payload.release();
        }

        @Override
        void onCloseFrame(ByteBuf payload) {
            closeFrames.add(payload.getUnsignedShort(payload.readerIndex()));
            payload.release();
        }

        @Override
        void closeWebSocket(int code, String reason) {
            closes.add(code + " " + reason);
        }
    }
}
