package dev.parley.push.webpush;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.push.LocalHttpServer;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A push service and user agent in one, for tests: a browser subscription (its own P-256 key pair
 * and auth secret) and a local endpoint that checks the VAPID JWT (RFC 8292) and decrypts the body
 * (RFC 8291, aes128gcm) with the subscription's private key, as a browser would. Every path of the
 * server is an endpoint of the same key pair; those under {@code /gone/} answer 410 Gone, as a push
 * service does for an expired subscription.
 */
public final class WebPushReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final KeyPair userAgent;
    public final byte[] auth = new byte[16];
    public final String expectedVapidKey;
    public final List<String> plaintexts = new CopyOnWriteArrayList<>();
    public final List<LocalHttpServer.Request> topics = new CopyOnWriteArrayList<>();
    /** Authentic pushes, decrypted, with the endpoint they were sent to. */
    public final List<Delivered> delivered = new CopyOnWriteArrayList<>();
    public final LocalHttpServer server;
    public volatile int answer = 201;

    public WebPushReceiver(String expectedVapidKey) throws Exception {
        this.expectedVapidKey = expectedVapidKey;
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        userAgent = g.generateKeyPair();
        new SecureRandom().nextBytes(auth);
        server = new LocalHttpServer(this::receive);
    }

    /** One authentic push and its decrypted payload. */
    public record Delivered(String endpoint, String plaintext) {
    }

    public String endpoint() {
        return server.url("/push/sub-1");
    }

    /** The subscription as the browser's PushSubscription.toJSON() gives it. */
    public String subscriptionJson() {
        return subscriptionJson(endpoint());
    }

    /** The subscription of another endpoint of this receiver (a path on it; under {@code /gone/}: dead). */
    public String subscriptionJson(String endpoint) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "{\"endpoint\":\"" + endpoint + "\",\"keys\":{\"p256dh\":\""
                + b64.encodeToString(uncompressed((ECPublicKey) userAgent.getPublic())) + "\",\"auth\":\""
                + b64.encodeToString(auth) + "\"}}";
    }

    private LocalHttpServer.Answer receive(LocalHttpServer.Request r) throws Exception {
        String problem = checkVapid(r);
        if (problem != null) {
            return new LocalHttpServer.Answer(401, java.util.Map.of(), problem);
        }
        if (!"aes128gcm".equals(r.header("Content-Encoding")) || r.header("TTL") == null) {
            return new LocalHttpServer.Answer(400, java.util.Map.of(), "aes128gcm body and TTL required");
        }
        String plaintext = new String(decrypt(r.body()), StandardCharsets.UTF_8);
        plaintexts.add(plaintext);
        topics.add(r);
        delivered.add(new Delivered(server.url(r.path()), plaintext));
        return LocalHttpServer.Answer.of(r.path().startsWith("/gone/") ? 410 : answer);
    }

    /** RFC 8292: {@code vapid t=<ES256 JWT>, k=<public key>}, audience = the endpoint's origin. */
    private String checkVapid(LocalHttpServer.Request r) throws Exception {
        String authz = r.header("Authorization");
        if (authz == null || !authz.startsWith("vapid ")) {
            return "no vapid authorization";
        }
        String t = null;
        String k = null;
        for (String part : authz.substring(6).split(",")) {
            String p = part.trim();
            if (p.startsWith("t=")) {
                t = p.substring(2);
            } else if (p.startsWith("k=")) {
                k = p.substring(2);
            }
        }
        if (t == null || !expectedVapidKey.equals(k)) {
            return "wrong vapid key";
        }
        String[] jwt = t.split("\\.");
        ECPublicKey serverKey = publicKey(Base64.getUrlDecoder().decode(k));
        Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
        es256.initVerify(serverKey);
        es256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        if (!es256.verify(Base64.getUrlDecoder().decode(jwt[2]))) {
            return "bad vapid signature";
        }
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(jwt[0]));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
        URI e = URI.create(endpoint());
        String origin = e.getScheme() + "://" + e.getHost() + ":" + e.getPort();
        long now = System.currentTimeMillis() / 1000;
        if (!header.path("alg").asText().equals("ES256") || !claims.path("aud").asText().equals(origin)
                || claims.path("exp").asLong() <= now || claims.path("exp").asLong() > now + 86_400
                || !claims.path("sub").asText().startsWith("mailto:")) {
            return "bad vapid claims " + header + " " + claims;
        }
        return null;
    }

    /** RFC 8291 §3-4 and RFC 8188: one record, padded with a 0x02 delimiter. */
    byte[] decrypt(byte[] body) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[16];
        in.get(salt);
        in.getInt(); // record size
        byte[] asPublic = new byte[in.get() & 0xff];
        in.get(asPublic);
        byte[] ciphertext = new byte[in.remaining()];
        in.get(ciphertext);

        KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
        ecdh.init(userAgent.getPrivate());
        ecdh.doPhase(publicKey(asPublic), true);
        byte[] ecdhSecret = ecdh.generateSecret();
        byte[] uaPublic = uncompressed((ECPublicKey) userAgent.getPublic());

        byte[] prkKey = hmac(auth, ecdhSecret);
        byte[] keyInfo = concat("WebPush: info".getBytes(StandardCharsets.US_ASCII), new byte[] {0}, uaPublic,
                asPublic, new byte[] {1});
        byte[] ikm = hmac(prkKey, keyInfo);
        byte[] prk = hmac(salt, ikm);
        byte[] cek = Arrays.copyOf(hmac(prk, concat("Content-Encoding: aes128gcm".getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 1})), 16);
        byte[] nonce = Arrays.copyOf(hmac(prk, concat("Content-Encoding: nonce".getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 1})), 12);

        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
        byte[] padded = gcm.doFinal(ciphertext);
        int end = padded.length - 1;
        while (end >= 0 && padded[end] == 0) {
            end--;
        }
        if (end < 0 || padded[end] != 2) {
            throw new IllegalStateException("last record delimiter missing");
        }
        return Arrays.copyOf(padded, end);
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        fixed(key.getW().getAffineX(), out, 1);
        fixed(key.getW().getAffineY(), out, 33);
        return out;
    }

    private static void fixed(BigInteger v, byte[] out, int at) {
        byte[] b = v.toByteArray();
        int from = Math.max(0, b.length - 32);
        System.arraycopy(b, from, out, at + 32 - (b.length - from), b.length - from);
    }

    static ECPublicKey publicKey(byte[] point) throws Exception {
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
                new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
    }

    @Override
    public void close() {
        server.close();
    }
}
