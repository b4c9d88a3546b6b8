package dev.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.client.CursorStore;
import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClient;
import dev.parley.push.LocalHttpServer;
import dev.parley.push.apns.LocalApns;
import dev.parley.push.fcm.FakeGoogle;
import dev.parley.push.webhook.WebhookPushSender;
import dev.parley.push.webpush.VapidKeyPair;
import dev.parley.push.webpush.WebPushReceiver;
import dev.parley.server.ParleyServer;
import dev.parley.testkit.contract.OfflineContract;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the embedded server: a user with a device on each provider (APNs, FCM, Web Push,
 * webhook) is offline while a burst of messages arrives. The local APNs (Pushy's mock, checking
 * the provider token), FCM (checking the OAuth2 bearer token), Web Push receiver (checking VAPID
 * and decrypting) and webhook (checking the HMAC) each see one private push at once and at most
 * one more for the rest of the burst; a target the provider calls dead is dropped for good, and a
 * provider outage is retried.
 */
class EmbeddedPushTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APNS_TOKEN = "a1".repeat(32);
    private static final String APNS_DEAD = "de".repeat(32);
    private static final int BURST = 40;
    private static final Duration SOON = Duration.ofSeconds(15);

    @TempDir Path dir;
    private LocalApns apns;
    private FakeGoogle google;
    private WebPushReceiver browser;
    private LocalHttpServer webhook;
    private ParleyServer server;
    private URI uri;
    private final VapidKeyPair vapid = VapidKeyPair.generate();

    @BeforeEach
    void start() throws Exception {
        apns = new LocalApns(dir, Set.of(APNS_TOKEN), APNS_DEAD);
        google = new FakeGoogle(dir, "parley-it");
        browser = new WebPushReceiver(vapid.publicKey());
        webhook = new LocalHttpServer(r -> LocalHttpServer.Answer.of(204));
        Map<String, String> env = Map.ofEntries(
                Map.entry("PARLEY_PUSH_RETRY_BASE_MS", "200"),
                Map.entry("PARLEY_PUSH_MAX_ATTEMPTS", "3"),
                Map.entry("PARLEY_PUSH_APNS_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_APNS_HOST", apns.host()),
                Map.entry("PARLEY_PUSH_APNS_TOPIC", LocalApns.TOPIC),
                Map.entry("PARLEY_PUSH_APNS_KEY_FILE", apns.signingKeyP8.toString()),
                Map.entry("PARLEY_PUSH_APNS_KEY_ID", LocalApns.KEY_ID),
                Map.entry("PARLEY_PUSH_APNS_TEAM_ID", LocalApns.TEAM),
                Map.entry("PARLEY_PUSH_APNS_TRUSTED_CERT_FILE", apns.serverCertPem.toString()),
                Map.entry("PARLEY_PUSH_FCM_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_FCM_PROJECT_ID", "parley-it"),
                Map.entry("PARLEY_PUSH_FCM_SERVICE_ACCOUNT_FILE", google.keyFile.toString()),
                Map.entry("PARLEY_PUSH_FCM_BASE_URL", google.fcm.url("")),
                Map.entry("PARLEY_PUSH_FCM_TOKEN_URI", google.tokenServer.url("/token")),
                Map.entry("PARLEY_PUSH_WEBPUSH_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_WEBPUSH_PUBLIC_KEY", vapid.publicKey()),
                Map.entry("PARLEY_PUSH_WEBPUSH_PRIVATE_KEY", vapid.privateKey()),
                Map.entry("PARLEY_PUSH_WEBPUSH_SUBJECT", "mailto:ops@example.com"));
        server = ParleyServer.start(EmbeddedDeployment.config(dir.resolve("data"), env));
        uri = URI.create(server.listenUrl());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        webhook.close();
        browser.close();
        google.close();
        apns.close();
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private long fcmRequestsFor(String token) {
        return google.fcm.received.stream().filter(r -> r.bodyText().contains("\"" + token + "\"")).count();
    }

    @Test
    void anOfflineUserIsWokenOnEveryProviderPrivatelyOncePerBurst() throws Exception {
        ParleyAccounts accounts = ParleyAccounts.of(uri);
        join(accounts.register("alice", "alice-password"));
        join(accounts.register("bob", "bob-password"));
        var iphone = join(accounts.login("bob", "bob-password", "iphone"));
        var oldIphone = join(accounts.login("bob", "bob-password", "old iphone"));
        var android = join(accounts.login("bob", "bob-password", "android"));
        var oldAndroid = join(accounts.login("bob", "bob-password", "old android"));
        var flaky = join(accounts.login("bob", "bob-password", "android behind an outage"));
        var browserDevice = join(accounts.login("bob", "bob-password", "browser"));
        var homeServer = join(accounts.login("bob", "bob-password", "home server"));
        join(accounts.setPushTarget(iphone.token(), "apns", APNS_TOKEN));
        join(accounts.setPushTarget(oldIphone.token(), "apns", APNS_DEAD));
        join(accounts.setPushTarget(android.token(), "fcm", "live-token"));
        join(accounts.setPushTarget(oldAndroid.token(), "fcm", "dead-token"));
        join(accounts.setPushTarget(flaky.token(), "fcm", "down-token"));
        join(accounts.setPushTarget(homeServer.token(), "webhook", webhook.url("/wake")));
        // the browser registers over the WebSocket protocol, then goes away
        try (ParleyClient b = ParleyClient.builder(uri, browserDevice.token()).cursorStore(CursorStore.inMemory())
                .build()) {
            join(b.connect());
            join(b.setPushTarget("webpush", browser.subscriptionJson()));
        }
        await().atMost(SOON).until(() -> !join(accounts.presence(iphone.token(), "bob")).online());

        var alice = join(accounts.login("alice", "alice-password", "laptop"));
        try (ParleyClient a = ParleyClient.builder(uri, alice.token()).cursorStore(CursorStore.inMemory()).build()) {
            join(a.connect());
            String conv = join(a.openDirect("bob")).conv();
            List<CompletableFuture<?>> burst = new java.util.ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                burst.add(a.send(conv, "secret plan part " + i));
            }
            for (CompletableFuture<?> f : burst) {
                join(f);
            }

            await().atMost(SOON).until(() -> apns.accepted.size() >= 1 && fcmRequestsFor("live-token") >= 1
                    && browser.plaintexts.size() >= 1 && webhook.received.size() >= 1);
            // the rest of the burst is coalesced: one push per device per interval (a slow burst may span two)
            Thread.sleep(Duration.ofSeconds(OfflineContract.PUSH_MIN_INTERVAL_SECONDS + 2).toMillis());

            assertThat(apns.accepted).as("APNs pushes for %d messages", BURST).hasSizeBetween(1, 3)
                    .allSatisfy(p -> {
                        assertThat(p.deviceToken()).isEqualTo(APNS_TOKEN);
                        assertThat(p.collapseId()).isEqualTo("parley-sync");
                        assertThat(p.pushType()).isEqualTo("background");
                        assertThat(p.payload()).doesNotContain("secret").doesNotContain("alice");
                    });
            assertThat(fcmRequestsFor("live-token")).as("FCM pushes for %d messages", BURST).isBetween(1L, 3L);
            for (var r : google.fcm.received) {
                JsonNode m = JSON.readTree(r.body()).path("message");
                assertThat(m.path("data")).as("private FCM data").hasSize(1);
                assertThat(m.path("android").path("collapse_key").asText()).isEqualTo("parley-sync");
            }
            assertThat(browser.plaintexts).as("decrypted Web Push payloads").hasSizeBetween(1, 3)
                    .allSatisfy(p -> assertThat(p).isEqualTo("{\"parley\":\"sync\"}"));
            assertThat(webhook.received).as("webhook pushes for %d messages", BURST).hasSizeBetween(1, 3)
                    .allSatisfy(r -> assertThat(r.header(WebhookPushSender.SIGNATURE_HEADER)).isEqualTo("sha256="
                            + WebhookPushSender.sign(OfflineContract.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8),
                            r.header(WebhookPushSender.TIMESTAMP_HEADER), r.body())));

            // dead targets were asked once and are gone; the outage was retried (3 tries), losing no message
            assertThat(fcmRequestsFor("dead-token")).isEqualTo(1);
            assertThat(fcmRequestsFor("down-token")).isGreaterThanOrEqualTo(3);
            assertThat(google.tokensIssued.get()).as("one OAuth2 access token, reused").isEqualTo(1);
            long before = fcmRequestsFor("dead-token");
            long live = fcmRequestsFor("live-token");
            Thread.sleep(Duration.ofSeconds(OfflineContract.PUSH_MIN_INTERVAL_SECONDS).toMillis());
            join(a.send(conv, "one more"));
            await().atMost(SOON).until(() -> fcmRequestsFor("live-token") > live);
            Thread.sleep(Duration.ofSeconds(1).toMillis());
            assertThat(fcmRequestsFor("dead-token")).as("no push to a dead FCM token").isEqualTo(before);
            assertThat(apns.accepted).noneMatch(p -> p.deviceToken().equals(APNS_DEAD));
        }
        // bob's messages all wait in his inbox: a push was only a wake-up
        try (ParleyClient b = ParleyClient.builder(uri, iphone.token()).cursorStore(CursorStore.inMemory()).build()) {
            join(b.connect());
            var page = join(ParleyAccounts.of(uri).history(iphone.token(),
                    join(b.openDirect("alice")).conv(), dev.parley.client.HistoryRequest.latest(100)));
            assertThat(page.messages()).hasSize(BURST + 1);
        }
    }
}
