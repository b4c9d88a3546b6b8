package dev.parley.store.cassandra;

import java.security.SecureRandom;

/**
 * Server message ids in the ULID layout (the embedded store's too): 48 bits of epoch
 * milliseconds and 80 random bits, as 26 characters of Crockford base32, so ids sort roughly by
 * time and never collide in practice, across every chat server. Thread-safe.
 */
final class MessageIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private final SecureRandom random = new SecureRandom();

    String next(long epochMillis) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (epochMillis >>> (40 - 8 * i));
        }
        char[] out = new char[26];
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
