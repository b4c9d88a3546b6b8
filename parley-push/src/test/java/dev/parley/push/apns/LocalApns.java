package dev.parley.push.apns;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Pushy's MockApnsServer on loopback, validating like APNs: the provider token's ES256 signature
 * under the team's key, the topic, and the device token ({@code deadToken} answers 410
 * Unregistered). Its TLS certificate and the .p8 signing key are made under {@code dir}.
 */
public final class LocalApns implements AutoCloseable {
    public static final String TOPIC = "dev.parley.app";
    public static final String TEAM = "TEAM123456";
    public static final String KEY_ID = "KEY1234567";

    /** One push APNs accepted. */
    public record Accepted(String deviceToken, String collapseId, String pushType, String payload) {
    }

    public final Path serverCertPem;
    public final Path signingKeyP8;
    public final int port;
    public final List<Accepted> accepted = new CopyOnWriteArrayList<>();
    /** Pushes APNs rejected (a bad token signature, an unknown or unregistered device token). */
    public final List<Accepted> rejected = new CopyOnWriteArrayList<>();
    private final MockApnsServer server;

    public LocalApns(Path dir, Set<String> liveTokens, String deadToken) throws Exception {
        TestCertificates.Issued cert = TestCertificates.selfSigned("localhost");
        serverCertPem = TestCertificates.certificatePem(cert, dir.resolve("apns-server.pem"));
        Path serverKey = TestCertificates.privateKeyPem(cert.keys().getPrivate(), dir.resolve("apns-server-key.pem"));
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signing = g.generateKeyPair();
        signingKeyP8 = TestCertificates.privateKeyPem(signing.getPrivate(), dir.resolve("AuthKey_" + KEY_ID + ".p8"));
        ApnsVerificationKey key = new ApnsVerificationKey(KEY_ID, TEAM, (ECPublicKey) signing.getPublic());
        Set<String> tokens = new java.util.HashSet<>(liveTokens);
        tokens.add(deadToken);
        server = new MockApnsServerBuilder()
                .setServerCredentials(serverCertPem.toFile(), serverKey.toFile(), null)
                .setHandlerFactory(new ValidatingPushNotificationHandlerFactory(Map.of(TOPIC, tokens),
                        Map.of(deadToken, Instant.now().minusSeconds(60)), Map.of(KEY_ID, key), Map.of(key, Set.of(TOPIC))))
                .setListener(new MockApnsServerListener() {
                    @Override
                    public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
                        accepted.add(push(headers, payload));
                    }

                    @Override
                    public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload,
                                                               RejectionReason reason, Instant invalidation) {
                        rejected.add(push(headers, payload));
                    }
                })
                .build();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server.start(port).get();
    }

    private static Accepted push(Http2Headers headers, ByteBuf payload) {
        String path = headers.path().toString();
        return new Accepted(path.substring(path.lastIndexOf('/') + 1), String.valueOf(headers.get("apns-collapse-id")),
                String.valueOf(headers.get("apns-push-type")),
                payload == null ? "" : payload.toString(StandardCharsets.UTF_8));
    }

    /** The {@code push.apns.host} that reaches this server. */
    public String host() {
        return "localhost:" + port;
    }

    @Override
    public void close() throws Exception {
        server.shutdown().get();
    }
}
