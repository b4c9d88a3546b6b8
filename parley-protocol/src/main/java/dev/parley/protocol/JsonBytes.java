package dev.parley.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A JSON object written straight into a reusable byte array, for the frames every message costs
 * ({@link FrequentFrames}). Strings are escaped as Jackson's generator escapes them with its
 * features (quote, backslash and control characters, the latter as the short escapes where JSON
 * has one and as upper-case hexadecimal {@code u00XX} escapes otherwise; a surrogate pair as the
 * 4 UTF-8 bytes of its code point, a lone surrogate as an escape; everything else as UTF-8), so
 * the bytes are the ones it wrote, without its per-field state checks, per-frame generator and
 * buffer recycling.
 *
 * <p>Not thread-safe: one per thread ({@link #forThisThread}).
 */
final class JsonBytes {
    /** A buffer grown past this by one large frame is dropped afterwards rather than kept per thread. */
    private static final int KEEP_MAX = 64 * 1024;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final ThreadLocal<JsonBytes> PER_THREAD = ThreadLocal.withInitial(JsonBytes::new);

    private byte[] buf = new byte[512];
    private int len;
    /** No comma before the next field: an object was just opened. */
    private boolean first;

    static JsonBytes forThisThread() {
        JsonBytes b = PER_THREAD.get();
        b.len = 0;
        b.first = false;
        return b;
    }

    void startObject() {
        put('{');
        first = true;
    }

    void endObject() {
        put('}');
        first = false;
    }

    /** {@code "name":}, after a comma unless it is the object's first field. */
    void name(String name) {
        if (!first) {
            put(',');
        }
        first = false;
        string(name);
        put(':');
    }

    /** A string field, left out when null (the frames' {@code NON_NULL} inclusion). */
    void stringField(String name, String value) {
        if (value != null) {
            name(name);
            string(value);
        }
    }

    void numberField(String name, long value) {
        name(name);
        number(value);
    }

    void booleanField(String name, boolean value) {
        name(name);
        if (value) {
            ascii("true");
        } else {
            ascii("false");
        }
    }

    void nullValue() {
        ascii("null");
    }

    void number(long v) {
        if (v == Long.MIN_VALUE) {
            ensure(MIN_LONG.length);
            System.arraycopy(MIN_LONG, 0, buf, len, MIN_LONG.length);
            len += MIN_LONG.length;
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long rest = v / 10; rest != 0; rest /= 10) {
            digits++;
        }
        int at = len + digits;
        len = at;
        do {
            buf[--at] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
    }

    /** A quoted, escaped string. */
    void string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        int i = 0;
        // The common case: printable ASCII, one byte per char.
        while (i < n) {
            char c = s.charAt(i);
            if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            buf[len++] = (byte) c;
            i++;
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                asciiChar(c);
            } else if (c < 0x800) {
                ensure(2 + (n - i));
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                // A pair is one code point: its 4 UTF-8 bytes (COMBINE_UNICODE_SURROGATES_IN_UTF8).
                int cp = Character.toCodePoint(c, s.charAt(++i));
                ensure(4 + (n - i));
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate has no UTF-8 form; clients cannot send one (Fields), so only
                // text stored before that rule gets here: escaped, as Jackson does.
                ensure(6 + (n - i));
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = HEX[c >> 12];
                buf[len++] = HEX[(c >> 8) & 0xF];
                buf[len++] = HEX[(c >> 4) & 0xF];
                buf[len++] = HEX[c & 0xF];
            } else {
                ensure(3 + (n - i));
                buf[len++] = (byte) (0xE0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        ensure(1);
        buf[len++] = '"';
    }

    /** The bytes {@link #string} writes for {@code s}, quotes included. */
    static int stringLength(String s) {
        int n = s.length();
        int bytes = n + 2;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
                    bytes += 1;
                } else if (c < 0x20) {
                    bytes += 5;
                }
            } else if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // two chars, four bytes
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 5;
            } else {
                bytes += 2;
            }
        }
        return bytes;
    }

    private void asciiChar(char c) {
        ensure(6 + 1);
        if (c >= 0x20 && c != '"' && c != '\\') {
            buf[len++] = (byte) c;
            return;
        }
        buf[len++] = '\\';
        switch (c) {
            case '"' -> buf[len++] = '"';
            case '\\' -> buf[len++] = '\\';
            case '\b' -> buf[len++] = 'b';
            case '\t' -> buf[len++] = 't';
            case '\n' -> buf[len++] = 'n';
            case '\f' -> buf[len++] = 'f';
            case '\r' -> buf[len++] = 'r';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    /** Writes what was built to {@code out}. */
    void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
        if (buf.length > KEEP_MAX) {
            buf = new byte[512];
        }
    }

    private void put(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
