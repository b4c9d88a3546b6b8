package dev.parley.push.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushTarget;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against Pushy's MockApnsServer on loopback, with TLS certificates and signing keys made in the test. */
class ApnsPushSenderTest {
    private static final String TOPIC = "dev.parley.app";
    private static final String TEAM = "TEAM123456";
    private static final String KEY_ID = "KEY1234567";
    private static final String LIVE_TOKEN = "a".repeat(64);
    private static final String DEAD_TOKEN = "d".repeat(64);

    @TempDir Path dir;
    private Path serverCertPem;
    private Path serverKeyPem;
    private Path signingKeyP8;
    private ECPublicKey signingPublicKey;
    private MockApnsServer server;
    private int port;
    private ApnsPushSender sender;
    private final List<Accepted> accepted = new CopyOnWriteArrayList<>();

    record Accepted(String collapseId, String priority, String pushType, String topic, String payload) {
    }

    @BeforeEach
    void certificates() throws Exception {
        TestCertificates.Issued serverCert = TestCertificates.selfSigned("localhost");
        serverCertPem = TestCertificates.certificatePem(serverCert, dir.resolve("server.pem"));
        serverKeyPem = TestCertificates.privateKeyPem(serverCert.keys().getPrivate(), dir.resolve("server-key.pem"));
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signing = g.generateKeyPair();
        signingPublicKey = (ECPublicKey) signing.getPublic();
        signingKeyP8 = TestCertificates.privateKeyPem(signing.getPrivate(), dir.resolve("AuthKey.p8"));
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (sender != null) {
            sender.close();
        }
        if (server != null) {
            server.shutdown().get();
        }
    }

    private void startServer(PushNotificationHandlerFactory handlers, Path trustedClientCert) throws Exception {
        MockApnsServerBuilder b = new MockApnsServerBuilder()
                .setServerCredentials(serverCertPem.toFile(), serverKeyPem.toFile(), null)
                .setHandlerFactory(handlers)
                .setListener(new MockApnsServerListener() {
                    @Override
                    public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
                        accepted.add(new Accepted(text(headers.get("apns-collapse-id")),
                                text(headers.get("apns-priority")), text(headers.get("apns-push-type")),
                                text(headers.get("apns-topic")), payload.toString(StandardCharsets.UTF_8)));
                    }

                    @Override
                    public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload,
                                                               RejectionReason reason, Instant invalidation) {
                    }
                });
        if (trustedClientCert != null) {
            b.setTrustedClientCertificateChain(trustedClientCert.toFile());
        }
        server = b.build();
        server.start(port).get();
    }

    private static String text(CharSequence c) {
        return c == null ? null : c.toString();
    }

    /** APNs checks the provider token's signature, team and key id, the topic and the device token. */
    private PushNotificationHandlerFactory validating() throws Exception {
        ApnsVerificationKey key = new ApnsVerificationKey(KEY_ID, TEAM, signingPublicKey);
        return new ValidatingPushNotificationHandlerFactory(
                Map.of(TOPIC, Set.of(LIVE_TOKEN, DEAD_TOKEN)),
                Map.of(DEAD_TOKEN, Instant.now().minusSeconds(60)),
                Map.of(KEY_ID, key), Map.of(key, Set.of(TOPIC)));
    }

    private ApnsPushSender tokenAuthSender(Path keyFile) {
        return new ApnsPushSender(new ApnsConfig("localhost:" + port, TOPIC, keyFile, KEY_ID, TEAM, null, "",
                serverCertPem, Duration.ofSeconds(5)));
    }

    private PushResult send(String token, PushNotification n) {
        return sender.send(new PushTarget("alice", "iphone", "apns", token), n).toCompletableFuture().join();
    }

    @Test
    void aPrivateBackgroundPushWithACollapseIdIsAcceptedUnderTokenAuth() throws Exception {
        startServer(validating(), null);
        sender = tokenAuthSender(signingKeyP8);

        assertThat(send(LIVE_TOKEN, new PushNotification("parley-sync", 7, null)))
                .isInstanceOf(PushResult.Delivered.class);

        assertThat(accepted).hasSize(1);
        Accepted a = accepted.get(0);
        assertThat(a.collapseId()).isEqualTo("parley-sync");
        assertThat(a.topic()).isEqualTo(TOPIC);
        assertThat(a.pushType()).isEqualTo("background");
        assertThat(a.priority()).isEqualTo("5");
        JsonNode payload = new ObjectMapper().readTree(a.payload());
        assertThat(payload.path("aps").path("content-available").asInt()).isEqualTo(1);
        assertThat(payload.path("aps").has("alert")).isFalse();
        assertThat(payload.path("parley").asText()).isEqualTo("sync");
    }

    @Test
    void aPreviewIsAnAlert() throws Exception {
        startServer(validating(), null);
        sender = tokenAuthSender(signingKeyP8);
        send(LIVE_TOKEN, new PushNotification("parley-sync", 1, new PushNotification.Preview("c1", "bob", "hi")));
        JsonNode payload = new ObjectMapper().readTree(accepted.get(0).payload());
        assertThat(payload.path("aps").path("alert").path("body").asText()).isEqualTo("hi");
        assertThat(accepted.get(0).pushType()).isEqualTo("alert");
        assertThat(accepted.get(0).priority()).isEqualTo("10");
    }

    @Test
    void anUnregisteredTokenIsDead() throws Exception {
        startServer(validating(), null);
        sender = tokenAuthSender(signingKeyP8);
        assertThat(send(DEAD_TOKEN, new PushNotification("parley-sync", 1, null)))
                .isInstanceOf(PushResult.DeadTarget.class);
    }

    @Test
    void aProviderTokenSignedWithAnotherKeyIsRefused() throws Exception {
        startServer(validating(), null);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        Path otherKey = TestCertificates.privateKeyPem(g.generateKeyPair().getPrivate(), dir.resolve("Other.p8"));
        sender = tokenAuthSender(otherKey);
        PushResult r = send(LIVE_TOKEN, new PushNotification("parley-sync", 1, null));
        assertThat(r).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r).reason()).contains("InvalidProviderToken");
        assertThat(accepted).isEmpty();
    }

    @Test
    void anOverloadedServiceIsRetried() throws Exception {
        startServer(session -> (headers, payload) -> {
            throw new RejectedNotificationException(RejectionReason.SERVICE_UNAVAILABLE);
        }, null);
        sender = tokenAuthSender(signingKeyP8);
        assertThat(send(LIVE_TOKEN, new PushNotification("parley-sync", 1, null)))
                .isInstanceOf(PushResult.Retry.class);
    }

    @Test
    void certificateAuthenticationPresentsTheClientCertificate() throws Exception {
        TestCertificates.Issued client = TestCertificates.selfSigned("Apple Push Services: " + TOPIC);
        Path clientPem = TestCertificates.certificatePem(client, dir.resolve("client.pem"));
        Path p12 = TestCertificates.pkcs12(client, "secret", dir.resolve("client.p12"));
        startServer(new AcceptAllPushNotificationHandlerFactory(), clientPem);
        sender = new ApnsPushSender(new ApnsConfig("localhost:" + port, TOPIC, null, "", "", p12, "secret",
                serverCertPem, Duration.ofSeconds(5)));
        assertThat(send(LIVE_TOKEN, new PushNotification("parley-sync", 1, null)))
                .isInstanceOf(PushResult.Delivered.class);
        assertThat(accepted).hasSize(1);
    }
}
