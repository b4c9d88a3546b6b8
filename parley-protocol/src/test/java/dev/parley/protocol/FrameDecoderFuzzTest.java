package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes the JSON frame decoder: whatever text a client sends, {@code decodeClient} returns a
 * validated frame or throws a {@link FrameCodec.FrameException} with one of the decoder's stable
 * codes; nothing else escapes (no Jackson exception, no NullPointerException from a record's
 * validation, no frame that fails its own validation).
 */
class FrameDecoderFuzzTest {
    private static final FrameCodec CODEC = new FrameCodec();
    private static final Set<ErrorCode> DECODER_CODES = Set.of(ErrorCode.MALFORMED_FRAME, ErrorCode.UNKNOWN_TYPE,
            ErrorCode.INVALID_FIELD);
    /** Valid frames of every client type, the seeds that mutations start from. */
    private static final List<String> SEEDS = List.of(
            "{\"type\":\"auth\",\"id\":\"1\",\"token\":\"t0k3n\"}",
            "{\"type\":\"sync\",\"id\":\"2\",\"after\":0}",
            "{\"type\":\"send\",\"id\":\"3\",\"conv\":\"d:alice:bob\",\"clientMsgId\":\"c-1\",\"body\":\"hi \\uD83D\\uDE00\"}",
            "{\"type\":\"ack\",\"id\":\"4\",\"upTo\":17}",
            "{\"type\":\"read\",\"id\":\"5\",\"conv\":\"g:abc\",\"upTo\":3}",
            "{\"type\":\"typing\",\"id\":\"6\",\"conv\":\"g:abc\",\"state\":\"started\"}",
            "{\"type\":\"history\",\"id\":\"7\",\"conv\":\"g:abc\",\"beforeSeq\":10,\"limit\":5}",
            "{\"type\":\"open_direct\",\"id\":\"8\",\"user\":\"bob\"}",
            "{\"type\":\"create_group\",\"id\":\"9\",\"name\":\"g\",\"members\":[\"bob\",\"carol\"]}",
            "{\"type\":\"rename_group\",\"id\":\"10\",\"conv\":\"g:abc\",\"name\":\"n\"}",
            "{\"type\":\"add_members\",\"id\":\"11\",\"conv\":\"g:abc\",\"members\":[\"dave\"]}",
            "{\"type\":\"remove_member\",\"id\":\"12\",\"conv\":\"g:abc\",\"user\":\"dave\"}",
            "{\"type\":\"leave_group\",\"id\":\"13\",\"conv\":\"g:abc\"}",
            "{\"type\":\"list_conversations\",\"id\":\"14\"}",
            "{\"type\":\"subscribe_presence\",\"id\":\"15\",\"users\":[\"bob\"]}",
            "{\"type\":\"set_privacy\",\"id\":\"16\",\"lastSeen\":\"contacts\"}",
            "{\"type\":\"message_info\",\"id\":\"17\",\"conv\":\"g:abc\",\"seq\":1}",
            "{\"type\":\"ping\",\"id\":\"18\"}");

    @Property(tries = 3_000)
    void mutatedFramesDecodeOrFailWithAStableCode(@ForAll("mutatedFrames") String text) {
        assertDecodesOrFailsCleanly(text);
    }

    @Property(tries = 2_000)
    void arbitraryTextDecodesOrFailsWithAStableCode(@ForAll("jsonishText") String text) {
        assertDecodesOrFailsCleanly(text);
    }

    private static void assertDecodesOrFailsCleanly(String text) {
        ClientFrame frame;
        try {
            frame = CODEC.decodeClient(text);
        } catch (FrameCodec.FrameException e) {
            assertThat(e.error().code()).as("code for %s", text).isIn(DECODER_CODES);
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(frame).isNotNull();
        frame.validate(); // what was returned is valid by its own rules
    }

    @Provide
    Arbitrary<String> mutatedFrames() {
        Arbitrary<String> seed = Arbitraries.of(SEEDS);
        Arbitrary<Integer> position = Arbitraries.integers().between(0, 200);
        Arbitrary<String> insert = Arbitraries.oneOf(
                Arbitraries.of("\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "1e400", "-0", "0.5",
                        "\"id\":\"x\"", "\"type\":\"send\"", "\\u0000", "\\uD800", "\uD83D\uDE00", " ", "\u0000"),
                Arbitraries.strings().ofMaxLength(8));
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 3);
        return Combinators.combine(seed, position, insert, kind, Arbitraries.integers().between(1, 12))
                .as((s, at, piece, how, n) -> {
                    int i = Math.min(at, s.length());
                    return switch (how) {
                        case 0 -> s.substring(0, i) + piece + s.substring(i);                     // insert
                        case 1 -> s.substring(0, i) + s.substring(Math.min(s.length(), i + n));   // delete
                        case 2 -> s.substring(0, i);                                               // truncate
                        default -> s.substring(0, i) + piece + s.substring(Math.min(s.length(), i + n)); // replace
                    };
                });
    }

    @Provide
    Arbitrary<String> jsonishText() {
        Arbitrary<String> tokens = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"type\"", "\"id\"", "\"send\"",
                "\"ping\"", "\"conv\"", "\"body\"", "\"members\"", "\"upTo\"", "1", "-1", "9223372036854775808",
                "1.5", "true", "null", "\"\"", "\"x\"", "\"\\uDE00\"", " ");
        return Arbitraries.oneOf(
                tokens.list().ofMaxSize(30).map(l -> String.join("", l)),
                Arbitraries.strings().ofMaxLength(100));
    }
}
