package dev.parley.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * One server frame, parsed with Jackson's streaming parser into reusable fields: the load
 * generator reads only what it checks, and allocates nothing per frame on the hot path (a
 * {@code message} event or a {@code sent} reply) apart from the parser itself.
 *
 * <p>Not thread-safe: one instance per event-loop thread, refilled by {@link #parse}.
 */
final class Inbound {
    enum Type { WELCOME, OK, ERROR, SENT, SYNCED, CONVERSATION, PONG, MESSAGE, RECEIPT, MEMBERSHIP, RECONNECT, OTHER }

    private static final JsonFactory JSON = new JsonFactory();

    Type type;
    /** First character of the request id this reply echoes (our ids are a letter and a number), or 0. */
    char idKind;
    long idNum;
    long cursor;
    long seq;
    boolean duplicate;
    /** {@code error.retryable}. */
    boolean retryable;
    int heartbeatSeconds;
    /** {@code message.body}'s leading number: the send time in {@link Micros}, or -1. */
    long bodyMicros;
    /** {@code message.conv} characters in {@link #conv}[0, {@link #convLen}). */
    final char[] conv = new char[160];
    int convLen;
    /** {@code message.from} characters. */
    final char[] from = new char[64];
    int fromLen;
    /** Rare fields: conversation id of a {@code conversation} reply, error code and message. */
    String convId;
    String code;
    String text;

    private void reset() {
        type = Type.OTHER;
        idKind = 0;
        idNum = -1;
        cursor = -1;
        seq = -1;
        duplicate = false;
        retryable = false;
        heartbeatSeconds = 0;
        bodyMicros = -1;
        convLen = 0;
        fromLen = 0;
        convId = null;
        code = null;
        text = null;
    }

    /** Parses {@code len} bytes of UTF-8 JSON from {@code buf}. */
    void parse(byte[] buf, int len) throws IOException {
        reset();
        try (JsonParser p = JSON.createParser(buf, 0, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("server frame is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "type" -> type = typeOf(p);
                    case "id" -> {
                        if (t == JsonToken.VALUE_STRING) {
                            parseId(p);
                        }
                    }
                    case "cursor" -> cursor = p.getLongValue();
                    case "conv" -> {
                        if (t == JsonToken.VALUE_STRING) {
                            convLen = copy(p, conv);
                        }
                    }
                    case "seq" -> seq = p.getLongValue();
                    case "duplicate" -> duplicate = t == JsonToken.VALUE_TRUE;
                    case "retryable" -> retryable = t == JsonToken.VALUE_TRUE;
                    case "heartbeatSeconds" -> heartbeatSeconds = p.getIntValue();
                    case "code" -> code = p.getText();
                    case "message" -> {
                        if (t == JsonToken.START_OBJECT) {
                            parseMessage(p);
                        } else {
                            text = p.getText();
                        }
                    }
                    case "conversation" -> {
                        if (t == JsonToken.START_OBJECT) {
                            parseConversation(p);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
    }

    private void parseId(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        if (len == 0) {
            return;
        }
        idKind = c[off];
        long n = 0;
        for (int i = 1; i < len; i++) {
            char ch = c[off + i];
            if (ch < '0' || ch > '9') {
                idNum = -1;
                return;
            }
            n = n * 10 + (ch - '0');
        }
        idNum = len > 1 ? n : 0;
    }

    private void parseMessage(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "conv" -> convLen = copy(p, conv);
                case "seq" -> seq = p.getLongValue();
                case "from" -> fromLen = copy(p, from);
                case "body" -> bodyMicros = leadingNumber(p);
                default -> p.skipChildren();
            }
        }
    }

    private void parseConversation(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("conv")) {
                convId = p.getText();
            } else {
                p.skipChildren();
            }
        }
    }

    private static int copy(JsonParser p, char[] into) throws IOException {
        int len = Math.min(p.getTextLength(), into.length);
        System.arraycopy(p.getTextCharacters(), p.getTextOffset(), into, 0, len);
        return len;
    }

    private static long leadingNumber(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        long n = 0;
        int i = 0;
        for (; i < len && i < 18; i++) {
            char ch = c[off + i];
            if (ch < '0' || ch > '9') {
                break;
            }
            n = n * 10 + (ch - '0');
        }
        return i == 0 ? -1 : n;
    }

    private static Type typeOf(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        // Dispatch on length and the first character before comparing, the common types first.
        if (is(c, off, len, "message")) return Type.MESSAGE;
        if (is(c, off, len, "sent")) return Type.SENT;
        if (is(c, off, len, "ok")) return Type.OK;
        if (is(c, off, len, "receipt")) return Type.RECEIPT;
        if (is(c, off, len, "pong")) return Type.PONG;
        if (is(c, off, len, "welcome")) return Type.WELCOME;
        if (is(c, off, len, "synced")) return Type.SYNCED;
        if (is(c, off, len, "error")) return Type.ERROR;
        if (is(c, off, len, "conversation")) return Type.CONVERSATION;
        if (is(c, off, len, "membership")) return Type.MEMBERSHIP;
        if (is(c, off, len, "reconnect")) return Type.RECONNECT;
        return Type.OTHER;
    }

    private static boolean is(char[] c, int off, int len, String s) {
        if (len != s.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (c[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when the first {@code len} characters of {@code c} spell {@code s}. */
    static boolean equals(char[] c, int len, char[] s) {
        if (len != s.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (c[i] != s[i]) {
                return false;
            }
        }
        return true;
    }
}
