package dev.parley.core.message;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Server message ids in the ULID layout: 48 bits of epoch milliseconds and 80 random bits, as 26
 * characters of Crockford base32, so ids sort roughly by time and never collide in practice.
 * The random part comes from a fast generator seeded from {@link SecureRandom}: ids must be
 * unique, not secret (a message id grants nothing), and a SecureRandom draw per message showed in
 * the committer's profile. Not thread-safe (the committer owns one).
 */
public final class MessageIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
    private final byte[] bytes = new byte[16];

    public String next(long epochMillis) {
        long r1 = random.nextLong();
        long r2 = random.nextLong();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (r1 >>> (8 * i));
            bytes[i + 8] = (byte) (r2 >>> (8 * i));
        }
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (epochMillis >>> (40 - 8 * i));
        }
        char[] out = new char[26];
        // 128 bits -> 26 base32 digits (the first digit carries the top 3 bits).
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (bytes[i] & 0xFF);
            lo = (lo << 8) | (bytes[i + 8] & 0xFF);
        }
        for (int i = 25; i >= 0; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo = (lo >>> 5) | (hi << 59);
            hi >>>= 5;
        }
        return new String(out);
    }
}
