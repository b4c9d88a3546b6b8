package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    @Test
    void decodesAValidSend() {
        ClientFrame f = codec.decodeClient(
                "{\"type\":\"send\",\"id\":\"7\",\"conv\":\"d:a:b\",\"clientMsgId\":\"c1\",\"body\":\"hi\",\"extra\":1}");
        assertThat(f).isEqualTo(new ClientFrame.Send("7", "d:a:b", "c1", "hi", null));
    }

    @Test
    void roundTripsEveryClientFrameType() {
        List<ClientFrame> frames = List.of(new ClientFrame.Sync("1", 5L), new ClientFrame.Ack("2", 9L),
                new ClientFrame.Typing("3", "c", "start"), new ClientFrame.CreateGroup("4", "g", List.of("x", "y")),
                new ClientFrame.History("5", "c", null, 3L, null, null, 10), new ClientFrame.Ping("6"));
        for (ClientFrame f : frames) {
            assertThat(codec.decodeClient(codec.encode(f))).isEqualTo(f);
        }
    }

    @Test
    void encodesServerFramesWithTypeFirstAndDecodesThemBack() {
        ServerFrame.Sent sent = new ServerFrame.Sent("1", "c", "k", "m", 3, 1000, false);
        String json = codec.encode(sent);
        assertThat(json).startsWith("{\"type\":\"sent\"");
        assertThat(codec.decodeServer(json)).isEqualTo(sent);
    }

    @Test
    void malformedJsonHasNoId() {
        assertError("{not json", null, ErrorCode.MALFORMED_FRAME);
        assertError("[1,2]", null, ErrorCode.MALFORMED_FRAME);
    }

    @Test
    void unknownTypeKeepsTheId() {
        assertError("{\"type\":\"teleport\",\"id\":\"x1\"}", "x1", ErrorCode.UNKNOWN_TYPE);
        assertError("{\"id\":\"x2\"}", "x2", ErrorCode.UNKNOWN_TYPE);
    }

    @Test
    void missingOrWrongTypedFieldsAreInvalid() {
        assertError("{\"type\":\"send\",\"id\":\"a\",\"conv\":\"c\",\"clientMsgId\":\"k\"}", "a", ErrorCode.INVALID_FIELD);
        assertError("{\"type\":\"ack\",\"id\":\"b\",\"upTo\":\"7\"}", "b", ErrorCode.INVALID_FIELD);
        assertError("{\"type\":\"send\",\"id\":\"c\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":5}", "c",
                ErrorCode.INVALID_FIELD);
        assertError("{\"type\":\"ack\",\"id\":\"d\",\"upTo\":-1}", "d", ErrorCode.INVALID_FIELD);
        assertError("{\"type\":\"typing\",\"id\":\"e\",\"conv\":\"c\",\"state\":\"maybe\"}", "e", ErrorCode.INVALID_FIELD);
        assertError("{\"type\":\"ping\"}", null, ErrorCode.INVALID_FIELD);
    }

    @Test
    void historyTakesAtMostOneAnchor() {
        assertError("{\"type\":\"history\",\"id\":\"h\",\"conv\":\"c\",\"beforeSeq\":3,\"afterSeq\":1}", "h",
                ErrorCode.INVALID_FIELD);
    }

    private void assertError(String json, String id, ErrorCode code) {
        assertThatThrownBy(() -> codec.decodeClient(json))
                .isInstanceOfSatisfying(FrameCodec.FrameException.class, e -> {
                    assertThat(e.requestId()).isEqualTo(id);
                    assertThat(e.error().code()).isEqualTo(code);
                });
    }
}
