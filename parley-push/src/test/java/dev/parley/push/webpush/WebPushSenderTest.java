package dev.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushTarget;
import dev.parley.push.DestinationGuard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebPushSenderTest {
    private final VapidKeyPair vapid = VapidKeyPair.generate();
    private WebPushReceiver receiver;
    private WebPushSender sender;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebPushReceiver(vapid.publicKey());
        // the receiver is on loopback: private destinations are enabled for this test only
        sender = new WebPushSender(new WebPushConfig(vapid, "mailto:ops@example.com", Duration.ofHours(1),
                Duration.ofSeconds(5)), new DestinationGuard(List.of(), true, Runnable::run));
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private PushResult send(String target, PushNotification n) {
        return sender.send(new PushTarget("alice", "browser", "webpush", target), n).toCompletableFuture().join();
    }

    @Test
    void theReceiverDecryptsAPrivateWakeUpSignedWithTheServersVapidKey() throws Exception {
        String target = sender.validateTarget(receiver.subscriptionJson());

        PushResult r = send(target, new PushNotification("parley-sync", 4, null));

        assertThat(r).isInstanceOf(PushResult.Delivered.class);
        assertThat(receiver.plaintexts).hasSize(1);
        assertThat(new ObjectMapper().readTree(receiver.plaintexts.get(0)).properties()).hasSize(1);
        assertThat(receiver.plaintexts.get(0)).isEqualTo("{\"parley\":\"sync\"}");
        assertThat(receiver.topics.get(0).header("Topic")).isEqualTo("parley-sync");
        assertThat(receiver.topics.get(0).header("Urgency")).isEqualTo("high");
    }

    @Test
    void aPreviewIsEncryptedToo() throws Exception {
        String target = sender.validateTarget(receiver.subscriptionJson());
        send(target, new PushNotification("parley-sync", 1, new PushNotification.Preview("c1", "bob", "héllo 👋")));
        assertThat(new ObjectMapper().readTree(receiver.plaintexts.get(0)).path("body").asText()).isEqualTo("héllo 👋");
        assertThat(new String(receiver.server.received.get(0).body(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("bob");
    }

    @Test
    void goneSubscriptionsAreDeadAndOverloadIsRetried() {
        String target = sender.validateTarget(receiver.subscriptionJson());
        receiver.answer = 410;
        assertThat(send(target, new PushNotification("parley-sync", 1, null))).isInstanceOf(PushResult.DeadTarget.class);
        receiver.answer = 404;
        assertThat(send(target, new PushNotification("parley-sync", 1, null))).isInstanceOf(PushResult.DeadTarget.class);
        receiver.answer = 429;
        assertThat(send(target, new PushNotification("parley-sync", 1, null))).isInstanceOf(PushResult.Retry.class);
    }

    @Test
    void malformedSubscriptionsAndPrivateEndpointsAreRefusedAtRegistration() {
        assertThatThrownBy(() -> sender.validateTarget("https://push.example.com/x")).hasMessageContaining("JSON");
        assertThatThrownBy(() -> sender.validateTarget("{\"endpoint\":\"https://push.example.com/x\","
                + "\"keys\":{\"p256dh\":\"AAAA\",\"auth\":\"AAAA\"}}")).hasMessageContaining("p256dh");
        WebPushSender guarded = new WebPushSender(new WebPushConfig(vapid, "mailto:ops@example.com",
                Duration.ofHours(1), Duration.ofSeconds(5)), new DestinationGuard(List.of(), false, Runnable::run));
        assertThatThrownBy(() -> guarded.validateTarget(receiver.subscriptionJson())).hasMessageContaining("public");
    }

    @Test
    void vapidKeysSurviveTheirTextForm() {
        VapidKeyPair again = new VapidKeyPair(vapid.publicKey(), vapid.privateKey());
        assertThat(again.toLibraryKeys().getApplicationServerKey()).hasSize(65);
        assertThatThrownBy(() -> new VapidKeyPair(vapid.publicKey(), VapidKeyPair.generate().privateKey())
                .toLibraryKeys()).isInstanceOf(IllegalArgumentException.class);
    }
}
