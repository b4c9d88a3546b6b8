package dev.parley.push.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushTarget;
import dev.parley.push.DestinationGuard;
import dev.parley.push.LocalHttpServer;
import dev.parley.push.LocalHttpServer.Answer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebhookPushSenderTest {
    private static final byte[] SECRET = "s3cret-for-tests".getBytes(StandardCharsets.UTF_8);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000), ZoneOffset.UTC);
    private static final PushNotification PRIVATE = new PushNotification("parley-sync", 3, null);

    /** Tests reach a loopback receiver, so they enable private destinations explicitly. */
    private static WebhookPushSender sender(int maxConcurrent) {
        return new WebhookPushSender(new WebhookConfig(Duration.ofSeconds(2), maxConcurrent, SECRET),
                new DestinationGuard(List.of(), true, Runnable::run), CLOCK);
    }

    private static PushTarget target(String url) {
        return new PushTarget("alice", "phone", "webhook", url);
    }

    @Test
    void aPrivatePushIsPostedSignedAndCarriesNoMessageContent() throws Exception {
        try (LocalHttpServer receiver = new LocalHttpServer(r -> Answer.of(204))) {
            PushResult r = sender(4).send(target(receiver.url("/hook")), PRIVATE).toCompletableFuture().join();

            assertThat(r).isInstanceOf(PushResult.Delivered.class);
            LocalHttpServer.Request got = receiver.received.get(0);
            String ts = got.header(WebhookPushSender.TIMESTAMP_HEADER);
            assertThat(ts).isEqualTo("1800000000");
            assertThat(got.header(WebhookPushSender.SIGNATURE_HEADER))
                    .isEqualTo("sha256=" + WebhookPushSender.sign(SECRET, ts, got.body()));
            JsonNode body = new ObjectMapper().readTree(got.body());
            assertThat(body.get("parley").asText()).isEqualTo("sync");
            assertThat(body.get("user").asText()).isEqualTo("alice");
            assertThat(body.get("device").asText()).isEqualTo("phone");
            assertThat(body.has("body")).isFalse();
            assertThat(body.has("sender")).isFalse();
        }
    }

    @Test
    void answersMapToDeadRetryAndRejected() {
        try (LocalHttpServer receiver = new LocalHttpServer(r -> switch (r.path()) {
            case "/gone" -> Answer.of(410);
            case "/busy" -> new Answer(503, Map.of("Retry-After", "7"), "");
            default -> Answer.of(400);
        })) {
            WebhookPushSender s = sender(4);
            assertThat(s.send(target(receiver.url("/gone")), PRIVATE).toCompletableFuture().join())
                    .isInstanceOf(PushResult.DeadTarget.class);
            assertThat(s.send(target(receiver.url("/busy")), PRIVATE).toCompletableFuture().join())
                    .isEqualTo(new PushResult.Retry(Duration.ofSeconds(7), "HTTP 503"));
            assertThat(s.send(target(receiver.url("/bad")), PRIVATE).toCompletableFuture().join())
                    .isInstanceOf(PushResult.Rejected.class);
        }
    }

    @Test
    void theDefaultGuardRefusesLoopbackAndMetadataAndNothingIsSent() {
        try (LocalHttpServer receiver = new LocalHttpServer(r -> Answer.of(204))) {
            WebhookPushSender s = new WebhookPushSender(new WebhookConfig(Duration.ofSeconds(2), 4, SECRET),
                    new DestinationGuard(List.of(), false, Runnable::run), CLOCK);
            assertThatThrownBy(() -> s.validateTarget(receiver.url("/hook"))).hasMessageContaining("public");
            assertThatThrownBy(() -> s.validateTarget("http://169.254.169.254/latest/meta-data/"))
                    .hasMessageContaining("public");
            // a target stored before the rule (or a name re-pointed at loopback) is refused at send time
            PushResult r = s.send(target(receiver.url("/hook")), PRIVATE).toCompletableFuture().join();
            PushResult viaName = s.send(target(receiver.url("/hook").replace("127.0.0.1", "localhost")), PRIVATE)
                    .toCompletableFuture().join();
            assertThat(r).isInstanceOf(PushResult.Rejected.class);
            assertThat(viaName).isInstanceOf(PushResult.Rejected.class);
            assertThat(receiver.received).isEmpty();
        }
    }

    @Test
    void atMostMaxConcurrentPostsAreOpenAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LocalHttpServer receiver = new LocalHttpServer(r -> {
            release.await(5, TimeUnit.SECONDS);
            return Answer.of(204);
        })) {
            WebhookPushSender s = sender(2);
            CompletableFuture<PushResult> a = s.send(target(receiver.url("/a")), PRIVATE).toCompletableFuture();
            CompletableFuture<PushResult> b = s.send(target(receiver.url("/b")), PRIVATE).toCompletableFuture();
            PushResult third = s.send(target(receiver.url("/c")), PRIVATE).toCompletableFuture().join();
            assertThat(third).isInstanceOf(PushResult.Retry.class);
            release.countDown();
            assertThat(a.join()).isInstanceOf(PushResult.Delivered.class);
            assertThat(b.join()).isInstanceOf(PushResult.Delivered.class);
            assertThat(s.send(target(receiver.url("/d")), PRIVATE).toCompletableFuture().join())
                    .isInstanceOf(PushResult.Delivered.class);
        }
    }
}
