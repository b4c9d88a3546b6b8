package dev.parley.push.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a local token endpoint that verifies the service account's signed JWT as Google's does,
 * and a local FCM endpoint that checks the bearer token and the message, and answers FCM's
 * documented errors.
 */
class FcmPushSenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;
    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private FcmPushSender sender;

    private FakeGoogle google;

    @BeforeEach
    void start() throws Exception {
        google = new FakeGoogle(dir, "parley-test");
        sender = new FcmPushSender(google.config("parley-test"), blocking);
    }

    @AfterEach
    void stop() {
        google.close();
        blocking.shutdownNow();
    }

    private PushResult send(String token) {
        return sender.send(new PushTarget("alice", "phone", "fcm", token), new PushNotification("parley-sync", 1, null))
                .toCompletableFuture().join();
    }

    @Test
    void aDataOnlyCollapsiblePushIsAcceptedWithAServiceAccountAccessToken() throws Exception {
        assertThat(send("good-token")).isInstanceOf(PushResult.Delivered.class);
        assertThat(send("good-token")).isInstanceOf(PushResult.Delivered.class);

        assertThat(google.tokensIssued.get()).isEqualTo(1); // the access token is reused until it expires
        JsonNode m = JSON.readTree(google.fcm.received.get(0).body()).path("message");
        assertThat(m.path("data").path("parley").asText()).isEqualTo("sync");
        assertThat(m.path("data").has("body")).isFalse();
        assertThat(m.path("android").path("collapse_key").asText()).isEqualTo("parley-sync");
        assertThat(m.path("android").path("priority").asText()).isEqualTo("high");
        assertThat(m.path("apns").path("headers").path("apns-push-type").asText()).isEqualTo("background");
        assertThat(m.path("apns").path("payload").path("aps").path("content-available").asInt()).isEqualTo(1);
    }

    @Test
    void aPreviewUsesDataKeysFcmAccepts() throws Exception {
        PushResult r = sender.send(new PushTarget("alice", "phone", "fcm", "good-token"), new PushNotification(
                "parley-sync", 2, new PushNotification.Preview("d:alice:bob", "bob", "hi"))).toCompletableFuture().join();
        assertThat(r).isInstanceOf(PushResult.Delivered.class);
        JsonNode data = JSON.readTree(google.fcm.received.get(0).body()).path("message").path("data");
        assertThat(data.path("sender").asText()).isEqualTo("bob");
        assertThat(data.path("body").asText()).isEqualTo("hi");
    }

    @Test
    void unregisteredMarksTheTokenDead() {
        assertThat(send("dead-token")).isInstanceOf(PushResult.DeadTarget.class);
    }

    @Test
    void invalidArgumentDropsThePush() {
        assertThat(send("invalid-token")).isInstanceOf(PushResult.Rejected.class);
    }

    @Test
    void quotaExceededIsRetriedAfterTheProvidersDelay() {
        assertThat(send("quota-token")).isEqualTo(new PushResult.Retry(Duration.ofSeconds(30), "FCM QUOTA_EXCEEDED"));
    }

    @Test
    void unavailableIsRetriedWithBackoff() {
        assertThat(send("down-token")).isEqualTo(new PushResult.Retry(null, "FCM UNAVAILABLE"));
    }
}
