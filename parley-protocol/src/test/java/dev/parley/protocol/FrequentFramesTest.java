package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hand-written frames against data binding: every frequent server frame must encode to the
 * same bytes, and every client text must decode to the same frame or fail with the same error.
 */
class FrequentFramesTest {
    private final FrameCodec fast = new FrameCodec();
    private final FrameCodec dataBinding = new FrameCodec(false);

    private static final List<String> AWKWARD_TEXT = List.of("", "plain", "quote \" and \\ backslash",
            "line\nbreak\ttab\u0001control", "émoji 😀 and 中文", "</script>", "\u2028\u2029");

    @Test
    void serverFramesEncodeAsDataBindingDoes() throws Exception {
        List<ServerFrame> frames = new ArrayList<>();
        for (String t : AWKWARD_TEXT) {
            frames.add(new ServerFrame.MessageEvent(7, new ServerFrame.MessageView("d:a:b", 3, "01J" + t, "alice",
                    "dev1", "c-" + t, 1_733_000_000_000L, t, null)));
            frames.add(new ServerFrame.MessageEvent(Long.MAX_VALUE, new ServerFrame.MessageView(t, -1, null, null, null,
                    null, 0, null, "text/" + t)));
            frames.add(new ServerFrame.Sent(t, "d:a:b", t, "01J", 42, 1_733_000_000_001L, true));
            frames.add(new ServerFrame.Sent("1", t, null, null, 0, -5, false));
            frames.add(new ServerFrame.Ok(t));
            frames.add(new ServerFrame.ReceiptEvent(9, t, "bob", "delivered", 12, 99));
            frames.add(new ServerFrame.Pong(t, Long.MIN_VALUE));
            frames.add(new ServerFrame.Synced(t, 0, 10_000));
            frames.add(new ServerFrame.Welcome(1, t, "dev_" + t, t, 60, java.util.Map.of("maxBodyBytes", 65_536L,
                    "rateLimitBurst", Long.MAX_VALUE, t.isEmpty() ? "k" : t, -1L)));
        }
        java.util.Map<String, Long> withNull = new java.util.LinkedHashMap<>();
        withNull.put("a", null);
        withNull.put("b", 0L);
        frames.add(new ServerFrame.Welcome(0, null, null, null, 0, withNull));
        frames.add(new ServerFrame.Welcome(1, "u", "d", "s", 20, null));
        frames.add(new ServerFrame.Welcome(1, "u", "d", "s", 20, java.util.Map.of()));
        frames.add(new ServerFrame.MessageEvent(1, null));
        frames.add(new ServerFrame.Ok(null));
        frames.add(new ServerFrame.ReceiptEvent(1, null, null, null, 0, 0));
        frames.add(new ServerFrame.Pong(null, 1));
        frames.add(new ServerFrame.Synced(null, 1, 2));
        ObjectMapper json = new ObjectMapper();
        for (ServerFrame f : frames) {
            assertThat(bytes(fast, f)).as("%s", f).isEqualTo(bytes(dataBinding, f));
            // The text variant may escape differently (surrogate pairs), never mean something else.
            assertThat(json.readTree(fast.encode(f))).as("%s", f).isEqualTo(json.readTree(dataBinding.encode(f)));
        }
    }

    @Test
    void randomTextAndNumbersEncodeAsDataBindingDoes() throws Exception {
        java.util.Random random = new java.util.Random(20261129);
        for (int i = 0; i < 2_000; i++) {
            String t = randomText(random);
            long n = switch (i % 4) {
                case 0 -> random.nextLong();
                case 1 -> random.nextInt(1_000) - 500;
                case 2 -> i % 8 == 2 ? Long.MIN_VALUE : Long.MAX_VALUE;
                default -> (long) Math.pow(10, random.nextInt(19)) * (random.nextBoolean() ? 1 : -1);
            };
            List<ServerFrame> frames = List.of(
                    new ServerFrame.MessageEvent(n, new ServerFrame.MessageView(t, n, t, t, t, t, n, t, t)),
                    new ServerFrame.Sent(t, t, t, t, n, n, i % 2 == 0),
                    new ServerFrame.ReceiptEvent(n, t, t, t, n, n),
                    new ServerFrame.Welcome(1, t, t, t, 60, java.util.Map.of(t.isEmpty() ? "k" : t, n)));
            for (ServerFrame f : frames) {
                assertThat(bytes(fast, f)).as("%s", f).isEqualTo(bytes(dataBinding, f));
            }
        }
    }

    @Test
    void aMessagesEncodedLengthIsAnUpperBoundOfItsBytes() throws Exception {
        java.util.Random random = new java.util.Random(20261206);
        List<String> texts = new ArrayList<>(AWKWARD_TEXT);
        texts.addAll(List.of("\ud83d", "a\ude00b", "\ud83d\ude00".repeat(100)));
        for (int i = 0; i < 2_000; i++) {
            texts.add(randomText(random));
        }
        for (String t : texts) {
            JsonBytes b = JsonBytes.forThisThread();
            b.string(t);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            b.writeTo(out);
            assertThat(JsonBytes.stringLength(t)).as("%s", t).isEqualTo(out.size());
            ServerFrame.MessageView m = new ServerFrame.MessageView(t, Long.MIN_VALUE, t, t, t, t, Long.MIN_VALUE, t, t);
            int framed = bytes(fast, new ServerFrame.MessageEvent(0, m)).getBytes(StandardCharsets.UTF_8).length;
            assertThat(FrameCodec.encodedLength(m)).as("%s", t).isGreaterThanOrEqualTo(framed - 40);
        }
    }

    @Test
    void unpairedSurrogatesEncodeAsDataBindingDoes() throws Exception {
        for (String t : List.of("\ud83d", "a\ude00b", "\ude00\ud83d", "x\ud83d")) {
            ServerFrame f = new ServerFrame.Ok(t);
            assertThat(bytes(fast, f)).as("%s", f).isEqualTo(bytes(dataBinding, f));
        }
    }

    /** Up to 40 characters: ASCII of every kind (controls, quote, backslash), 2- and 3-byte UTF-8, pairs. */
    private static String randomText(java.util.Random random) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(41);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(6)) {
                case 0, 1, 2 -> sb.append((char) random.nextInt(0x80));
                case 3 -> sb.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
                case 4 -> {
                    char c = (char) (0x800 + random.nextInt(0xFFFF - 0x800));
                    sb.append(Character.isSurrogate(c) ? 'x' : c);
                }
                default -> sb.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
            }
        }
        return sb.toString();
    }

    private static String bytes(FrameCodec codec, ServerFrame f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.encode(f, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void otherServerFramesStillEncode() {
        ServerFrame.TypingEvent typing = new ServerFrame.TypingEvent("c", "u", "start");
        assertThat(fast.encode(typing)).isEqualTo(dataBinding.encode(typing));
    }

    @Test
    void clientFramesDecodeAsDataBindingDoes() {
        List<String> texts = new ArrayList<>(List.of(
                // well-formed
                "{\"type\":\"send\",\"id\":\"7\",\"conv\":\"d:a:b\",\"clientMsgId\":\"c1\",\"body\":\"hi\"}",
                "{\"id\":\"7\",\"conv\":\"d:a:b\",\"clientMsgId\":\"c1\",\"body\":\"h\\u00e9\\n\",\"type\":\"send\","
                        + "\"contentType\":\"text/plain\",\"extra\":{\"nested\":[1,2,{\"x\":null}]}}",
                "{\"type\":\"send\",\"id\":\"7\",\"conv\":\"d:a:b\",\"clientMsgId\":\"c1\",\"body\":\"\"}",
                "{\"type\":\"ack\",\"id\":\"a\",\"upTo\":0}",
                "{\"type\":\"ack\",\"id\":\"a\",\"upTo\":9223372036854775807}",
                "{\"type\":\"ack\",\"id\":\"a\",\"upTo\":5,\"conv\":{\"ignored\":true}}",
                "{\"type\":\"ping\",\"id\":\"p\"}",
                "{\"type\":\"ping\",\"id\":\"p\",\"upTo\":\"x\"}",
                "{\"type\":\"typing\",\"id\":\"t\",\"conv\":\"c\",\"state\":\"stop\"}",
                "{\"type\":\"read\",\"id\":\"r\",\"conv\":\"c\",\"upTo\":3}",
                "{\"type\":\"sync\",\"id\":\"s\"}",
                "{\"type\":\"sync\",\"id\":\"s\",\"after\":12}",
                "{\"type\":\"sync\",\"id\":\"s\",\"after\":null}",
                "{\"type\":\"send\",\"id\":\"d\",\"conv\":5,\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"send\",\"id\":\"d\",\"conv\":\"x\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                // missing, null or out of range
                "{\"type\":\"send\",\"id\":\"a\",\"conv\":\"c\",\"clientMsgId\":\"k\"}",
                "{\"type\":\"send\",\"id\":\"a\",\"conv\":null,\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"send\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"send\",\"id\":\"\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"send\",\"id\":\"a\",\"conv\":\"c\",\"clientMsgId\":\"" + "k".repeat(65) + "\",\"body\":\"b\"}",
                "{\"type\":\"ack\",\"id\":\"a\"}",
                "{\"type\":\"ack\",\"id\":\"a\",\"upTo\":null}",
                "{\"type\":\"ack\",\"id\":\"a\",\"upTo\":-1}",
                "{\"type\":\"read\",\"id\":\"r\",\"conv\":\"c\",\"upTo\":0}",
                "{\"type\":\"typing\",\"id\":\"t\",\"conv\":\"c\",\"state\":\"maybe\"}",
                "{\"type\":\"ping\"}",
                // wrong JSON types
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":\"7\"}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":7.0}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":7.5}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":1e3}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":true}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":[1]}",
                "{\"type\":\"ack\",\"id\":\"b\",\"upTo\":99999999999999999999999}",
                "{\"type\":\"send\",\"id\":\"c\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":5}",
                "{\"type\":\"send\",\"id\":\"c\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":false}",
                "{\"type\":\"send\",\"id\":\"c\",\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":{\"a\":1}}",
                "{\"type\":\"send\",\"id\":\"c\",\"conv\":[\"c\"],\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"sync\",\"id\":\"s\",\"after\":\"3\"}",
                "{\"type\":\"typing\",\"id\":\"t\",\"conv\":\"c\",\"state\":1}",
                "{\"type\":\"send\",\"id\":7,\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                "{\"type\":\"send\",\"id\":null,\"conv\":\"c\",\"clientMsgId\":\"k\",\"body\":\"b\"}",
                // not the frequent path at all
                "{\"type\":\"open_direct\",\"id\":\"o\",\"user\":\"bob\"}",
                "{\"type\":\"history\",\"id\":\"h\",\"conv\":\"c\",\"beforeSeq\":3,\"afterSeq\":1}",
                "{\"type\":\"teleport\",\"id\":\"x\"}",
                "{\"type\":\"send\",\"id\":\"x\"} trailing",
                "{not json"));
        for (String t : AWKWARD_TEXT) {
            String escaped = t.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t")
                    .replace("\u0001", "\\u0001");
            texts.add("{\"type\":\"send\",\"id\":\"i\",\"conv\":\"d:a:b\",\"clientMsgId\":\"k\",\"body\":\"" + escaped + "\"}");
        }
        for (String text : texts) {
            assertThat(outcome(fast, text)).as(text).isEqualTo(outcome(dataBinding, text));
        }
    }

    /** The decoded frame, or the error as id, code and message. */
    private static Object outcome(FrameCodec codec, String text) {
        try {
            return codec.decodeClient(text);
        } catch (FrameCodec.FrameException e) {
            return List.of(String.valueOf(e.requestId()), e.error().code(), e.error().getMessage());
        }
    }
}
