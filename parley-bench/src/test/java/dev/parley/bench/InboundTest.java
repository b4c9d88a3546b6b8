package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's streaming parser reads what the real codec writes. */
class InboundTest {
    private final FrameCodec codec = new FrameCodec();

    private Inbound parse(ServerFrame f) throws Exception {
        byte[] b = codec.encode(f).getBytes(StandardCharsets.UTF_8);
        Inbound in = new Inbound();
        in.parse(b, b.length);
        return in;
    }

    @Test
    void messageEvent() throws Exception {
        Inbound in = parse(new ServerFrame.MessageEvent(42, new ServerFrame.MessageView("d:alice:bob", 7, "m1",
                "alice", "dev_1", "c9", 1_000L, "123456:xxxx", null)));
        assertThat(in.type).isEqualTo(Inbound.Type.MESSAGE);
        assertThat(in.cursor).isEqualTo(42);
        assertThat(in.seq).isEqualTo(7);
        assertThat(new String(in.conv, 0, in.convLen)).isEqualTo("d:alice:bob");
        assertThat(Inbound.equals(in.from, in.fromLen, "alice".toCharArray())).isTrue();
        assertThat(in.bodyMicros).isEqualTo(123456);
    }

    @Test
    void sentReply() throws Exception {
        Inbound in = parse(new ServerFrame.Sent("m17", "d:a:b", "c17", "x", 5, 1L, false));
        assertThat(in.type).isEqualTo(Inbound.Type.SENT);
        assertThat(in.idKind).isEqualTo('m');
        assertThat(in.idNum).isEqualTo(17);
        assertThat(in.seq).isEqualTo(5);
        assertThat(in.duplicate).isFalse();
        assertThat(new String(in.conv, 0, in.convLen)).isEqualTo("d:a:b");
    }

    @Test
    void errorWelcomeAndConversation() throws Exception {
        Inbound err = parse(new ServerFrame.Error("m3", "RATE_LIMITED", "slow down", true));
        assertThat(err.type).isEqualTo(Inbound.Type.ERROR);
        assertThat(err.code).isEqualTo("RATE_LIMITED");
        assertThat(err.text).isEqualTo("slow down");
        Inbound w = parse(new ServerFrame.Welcome(1, "alice", "dev_1", "s1", 25, Map.of("maxBodyBytes", 65536L)));
        assertThat(w.type).isEqualTo(Inbound.Type.WELCOME);
        assertThat(w.heartbeatSeconds).isEqualTo(25);
        Inbound c = parse(new ServerFrame.ConversationReply("o1", new ServerFrame.ConversationView("g:x", "group",
                "n", java.util.List.of("a", "b"), "a", 1L, 0L, java.util.List.of("a"), 1L)));
        assertThat(c.type).isEqualTo(Inbound.Type.CONVERSATION);
        assertThat(c.convId).isEqualTo("g:x");
    }

    @Test
    void writesDecimalsWithoutAllocating() {
        io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
        Conn.writeLong(b, 0);
        b.writeByte(',');
        Conn.writeLong(b, 1234567890123L);
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("0,1234567890123");
        b.release();
    }
}
