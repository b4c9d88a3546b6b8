package dev.parley.store.rocksdb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key encodings. Strings inside composite keys are length-prefixed ({@code u16} big-endian
 * length, then UTF-8), so a prefix built from one id never matches another id; a string that
 * ends a key is written bare. Numbers are fixed-width big-endian {@code u64}, so RocksDB's
 * bytewise order is numeric order for the non-negative values stored here.
 */
final class Keys {
    /** Sorts after every {@code u64} suffix: used to seek to the last entry under a prefix. */
    private static final long MAX_U64 = -1L;

    static final byte[] SCHEMA_VERSION = utf8("schema-version");
    private static final byte[] INBOX_HEAD = utf8("inbox-head:");

    private Keys() {
    }

    static byte[] user(String userId) {
        return utf8(userId);
    }

    static byte[] device(String userId, String deviceId) {
        return new KeyBuilder().str(userId).str(deviceId).build();
    }

    static byte[] devicePrefix(String userId) {
        return new KeyBuilder().str(userId).build();
    }

    static byte[] token(String tokenHash) {
        return utf8(tokenHash);
    }

    static byte[] conversation(String conversationId) {
        return utf8(conversationId);
    }

    static byte[] userConversation(String userId, String conversationId) {
        return new KeyBuilder().str(userId).bare(conversationId).build();
    }

    static byte[] userConversationPrefix(String userId) {
        return new KeyBuilder().str(userId).build();
    }

    static byte[] contact(String ownerId, String contactId) {
        return new KeyBuilder().str(ownerId).bare(contactId).build();
    }

    static byte[] contactPrefix(String ownerId) {
        return new KeyBuilder().str(ownerId).build();
    }

    static byte[] message(String conversationId, long seq) {
        return new KeyBuilder().str(conversationId).u64(seq).build();
    }

    static byte[] messagePrefix(String conversationId) {
        return new KeyBuilder().str(conversationId).build();
    }

    /** A key after every message of the conversation (for {@code seekForPrev}). */
    static byte[] messageEnd(String conversationId) {
        return new KeyBuilder().str(conversationId).u64(MAX_U64).build();
    }

    /** A send's idempotency key: a client message id is unique per device and conversation. */
    static byte[] idempotency(String senderId, String senderDeviceId, String conversationId, String clientMsgId) {
        return new KeyBuilder().str(senderId).str(senderDeviceId).str(conversationId).bare(clientMsgId).build();
    }

    /**
     * A schema 1 idempotency key ({@code s(sender) s(device) clientMsgId}, scoped per device)
     * rewritten as schema 2's, with the conversation of the message it refers to.
     */
    static byte[] idempotencyFromSchema1(byte[] v1, String conversationId) {
        int afterDevice = 0;
        for (int i = 0; i < 2; i++) {
            afterDevice += 2 + (((v1[afterDevice] & 0xFF) << 8) | (v1[afterDevice + 1] & 0xFF));
        }
        KeyBuilder b = new KeyBuilder();
        b.raw(v1, 0, afterDevice).str(conversationId).raw(v1, afterDevice, v1.length - afterDevice);
        return b.build();
    }

    static byte[] inbox(String userId, long cursor) {
        return new KeyBuilder().str(userId).u64(cursor).build();
    }

    static byte[] inboxPrefix(String userId) {
        return new KeyBuilder().str(userId).build();
    }

    static byte[] inboxEnd(String userId) {
        return new KeyBuilder().str(userId).u64(MAX_U64).build();
    }

    static byte[] deviceCursor(String userId, String deviceId) {
        return new KeyBuilder().str(userId).str(deviceId).build();
    }

    static byte[] watermark(String conversationId, String userId) {
        return new KeyBuilder().str(conversationId).bare(userId).build();
    }

    static byte[] watermarkPrefix(String conversationId) {
        return new KeyBuilder().str(conversationId).build();
    }

    static byte[] inboxHeadMeta(String userId) {
        byte[] user = utf8(userId);
        byte[] key = Arrays.copyOf(INBOX_HEAD, INBOX_HEAD.length + user.length);
        System.arraycopy(user, 0, key, INBOX_HEAD.length, user.length);
        return key;
    }

    /** The {@code u64} that ends a key built with a {@code u64} suffix. */
    static long trailingU64(byte[] key) {
        long v = 0;
        for (int i = key.length - 8; i < key.length; i++) {
            v = (v << 8) | (key[i] & 0xFF);
        }
        return v;
    }

    /** The bare string that follows a prefix of {@code prefixLength} bytes. */
    static String trailingString(byte[] key, int prefixLength) {
        return new String(key, prefixLength, key.length - prefixLength, StandardCharsets.UTF_8);
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Decodes a device key back into (userId, deviceId). */
    static String[] splitDevice(byte[] key) {
        int userLen = ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
        String user = new String(key, 2, userLen, StandardCharsets.UTF_8);
        int off = 2 + userLen;
        int devLen = ((key[off] & 0xFF) << 8) | (key[off + 1] & 0xFF);
        String device = new String(key, off + 2, devLen, StandardCharsets.UTF_8);
        return new String[] {user, device};
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class KeyBuilder {
        private byte[] buf = new byte[64];
        private int len;

        KeyBuilder str(String s) {
            byte[] b = utf8(s);
            if (b.length > 0xFFFF) {
                throw new IllegalArgumentException("id longer than 65535 bytes");
            }
            ensure(2 + b.length);
            buf[len++] = (byte) (b.length >>> 8);
            buf[len++] = (byte) b.length;
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        KeyBuilder bare(String s) {
            byte[] b = utf8(s);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        KeyBuilder raw(byte[] b, int from, int n) {
            ensure(n);
            System.arraycopy(b, from, buf, len, n);
            len += n;
            return this;
        }

        KeyBuilder u64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[len++] = (byte) (v >>> shift);
            }
            return this;
        }

        byte[] build() {
            return Arrays.copyOf(buf, len);
        }

        private void ensure(int extra) {
            if (len + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
            }
        }
    }
}
