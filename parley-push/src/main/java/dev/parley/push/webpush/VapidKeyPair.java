package dev.parley.push.webpush;

import com.interaso.webpush.VapidKeys;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;

/**
 * A VAPID key pair in the form browsers and configuration files use: the uncompressed P-256 public
 * point (65 bytes) and the private scalar (32 bytes), each base64url without padding. The public
 * key is the {@code applicationServerKey} a web app subscribes with.
 */
public record VapidKeyPair(String publicKey, String privateKey) {

    /** A new random key pair. */
    public static VapidKeyPair generate() {
        return of(VapidKeys.generate());
    }

    static VapidKeyPair of(VapidKeys keys) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        byte[] s = keys.getPrivateKey().getS().toByteArray();
        byte[] scalar = new byte[32];
        // BigInteger may add a sign byte or drop leading zeros
        int from = Math.max(0, s.length - 32);
        System.arraycopy(s, from, scalar, 32 - (s.length - from), s.length - from);
        return new VapidKeyPair(b64.encodeToString(keys.getApplicationServerKey()), b64.encodeToString(scalar));
    }

    /**
     * The library's form of these keys.
     *
     * @throws IllegalArgumentException when the keys are not a valid P-256 pair in base64url
     */
    VapidKeys toLibraryKeys() {
        try {
            VapidKeys keys = VapidKeys.fromUncompressedBytes(publicKey, privateKey);
            byte[] expected = Base64.getUrlDecoder().decode(publicKey);
            if (!Arrays.equals(keys.getApplicationServerKey(), expected)
                    || keys.getPrivateKey().getS().equals(BigInteger.ZERO)) {
                throw new IllegalArgumentException("VAPID public and private keys do not belong together");
            }
            return keys;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid VAPID keys (base64url P-256 public point and private "
                    + "scalar expected; ./parley vapid-keys makes a pair): " + e.getMessage(), e);
        }
    }
}
