package dev.parley.bench;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** HdrHistogram helpers: the common shape of every latency histogram, and a text encoding for worker reports. */
final class Hist {
    /** Microseconds up to one hour, three significant digits. */
    static final long HIGHEST = 3_600_000_000L;
    static final int DIGITS = 3;

    private Hist() {
    }

    static Histogram empty() {
        return new Histogram(1, HIGHEST, DIGITS);
    }

    /** Compressed and base64-encoded, for one line of a worker's report. */
    static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int len = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), len));
    }

    static Histogram decode(String text) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text)), 1);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("bad histogram in a worker report", e);
        }
    }

    /** A value in microseconds as milliseconds with enough digits to read. */
    static String ms(long micros) {
        if (micros < 10_000) {
            return String.format("%.2f", micros / 1000.0);
        }
        return String.format("%.1f", micros / 1000.0);
    }
}
