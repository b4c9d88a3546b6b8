package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.PushProviders.ApnsPush;
import dev.parley.testkit.contract.PushProviders.FcmRequest;
import dev.parley.testkit.contract.PushProviders.WebPush;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Contract: push notifications through APNs, FCM and Web Push wake an offline device, against the
 * local providers of {@link Deployment#pushProviders()}. A burst is coalesced into a handful of
 * pushes, each private (a data-only "sync", no text, no sender) and authentic for its provider
 * (APNs provider token, FCM OAuth2 bearer token, VAPID), and the Web Push payload decrypts with the
 * subscription's key. A target the provider calls dead is dropped for good, an FCM outage is retried,
 * and one message gives exactly one push per device whichever server stored it.
 */
public abstract class PushContract extends ContractSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BURST = 40;
    /** A push interval plus slack: how long a push may wait behind the per-device rate limit. */
    private static final Duration INTERVAL = Duration.ofSeconds(OfflineContract.PUSH_MIN_INTERVAL_SECONDS);

    private PushProviders providers() {
        return deployment().pushProviders();
    }

    @Test
    void aBurstWakesAnOfflineDeviceOnEveryProviderPrivatelyAuthenticatedAndCoalesced() throws Exception {
        PushProviders p = providers();
        TestUsers.User bob = users.register("bob");
        Device iphone = users.login(bob);
        Device android = users.login(bob);
        Device browser = users.login(bob);
        String apnsToken = p.newApnsToken();
        String fcmToken = p.newFcmToken();
        String subscription = p.newWebPushSubscription();
        String endpoint = p.endpointOf(subscription);
        join(users.rest(iphone).setPushTarget(iphone.token(), "apns", apnsToken));
        join(users.rest(android).setPushTarget(android.token(), "fcm", fcmToken));
        // the browser registers over the WebSocket protocol, then goes away
        Client b = users.connect(browser);
        join(b.sdk().setPushTarget("webpush", subscription));
        b.sdk().close();
        eventually().until(() -> !join(users.rest(iphone).presence(iphone.token(), bob.name())).online());

        Client a = users.newClient("alice");
        String conv = join(a.sdk().openDirect(bob.name())).conv();
        String secret = "the launch code is " + TestUsers.uniqueName("secret");
        List<CompletableFuture<Sent>> burst = new ArrayList<>();
        for (int i = 1; i <= BURST; i++) {
            burst.add(a.sdk().send(conv, secret + " " + i));
        }
        burst.forEach(ContractSupport::join);

        LongSupplier apns = () -> apnsTo(p, apnsToken).size();
        LongSupplier fcm = () -> fcmTo(p, fcmToken).size();
        LongSupplier web = () -> webTo(p, endpoint).size();
        eventually().until(() -> apns.getAsLong() >= 1 && fcm.getAsLong() >= 1 && web.getAsLong() >= 1);
        // Sentinel: a push that covers a message sent after the burst comes after every push of the burst.
        awaitPushesAfterOneMore(a, conv, apns, fcm, web);

        // 41 messages: at most two pushes for the burst (a slow burst may span two intervals), one for the sentinel
        assertThat(apnsTo(p, apnsToken)).as("APNs pushes for %d messages", BURST + 1).hasSizeBetween(2, 3)
                .allSatisfy(push -> {
                    assertThat(push.collapseId()).as("coalesced on the device").isEqualTo("parley-sync");
                    assertThat(push.pushType()).isEqualTo("background");
                    assertThat(push.payload()).as("private").doesNotContain("launch code").doesNotContain(a.name())
                            .doesNotContain(conv);
                });
        assertThat(fcmTo(p, fcmToken)).as("FCM pushes for %d messages", BURST + 1).hasSizeBetween(2, 3)
                .allSatisfy(r -> {
                    assertThat(r.authorization()).as("the OAuth2 access token of the service account")
                            .isEqualTo("Bearer " + p.fcmAccessToken());
                    JsonNode m = json(r.body()).path("message");
                    assertThat(m.has("notification")).as("data only").isFalse();
                    assertThat(m.path("data").path("parley").asText()).isEqualTo("sync");
                    assertThat(m.path("android").path("collapse_key").asText()).isEqualTo("parley-sync");
                    assertThat(r.body()).as("private").doesNotContain("launch code").doesNotContain(a.name())
                            .doesNotContain(conv);
                });
        assertThat(p.fcmAccessTokensIssued()).as("access tokens are reused, at most one per server")
                .isBetween(1, deployment().servers().size());
        assertThat(webTo(p, endpoint)).as("decrypted Web Push payloads for %d messages", BURST + 1)
                .hasSizeBetween(2, 3).allSatisfy(push -> {
                    assertThat(json(push.plaintext()).path("parley").asText()).isEqualTo("sync");
                    assertThat(push.plaintext()).as("private").doesNotContain("launch code")
                            .doesNotContain(a.name()).doesNotContain(conv);
                });
    }

    @Test
    void oneMessageGivesExactlyOnePushPerDeviceWhicheverServerStoredIt() throws Exception {
        PushProviders p = providers();
        TestUsers.User bob = users.register("bob");
        Device iphone = users.login(bob);
        Device android = users.login(bob);
        Device browser = users.login(bob);
        String apnsToken = p.newApnsToken();
        String fcmToken = p.newFcmToken();
        String subscription = p.newWebPushSubscription();
        String endpoint = p.endpointOf(subscription);
        join(users.rest(iphone).setPushTarget(iphone.token(), "apns", apnsToken));
        join(users.rest(android).setPushTarget(android.token(), "fcm", fcmToken));
        join(users.rest(browser).setPushTarget(browser.token(), "webpush", subscription));
        LongSupplier apns = () -> apnsTo(p, apnsToken).size();
        LongSupplier fcm = () -> fcmTo(p, fcmToken).size();
        LongSupplier web = () -> webTo(p, endpoint).size();

        // one sender per server, so every server stores a message for bob
        for (URI server : users.servers()) {
            Client a = users.connect(users.login(users.register("alice"), server));
            String conv = join(a.sdk().openDirect(bob.name())).conv();
            long[] before = {apns.getAsLong(), fcm.getAsLong(), web.getAsLong()};
            // past the rate limit of the previous push, so this message gets a push of its own
            Thread.sleep(INTERVAL.plusMillis(500).toMillis());
            join(a.sdk().send(conv, "hello from " + server));
            eventually().until(() -> apns.getAsLong() > before[0] && fcm.getAsLong() > before[1]
                    && web.getAsLong() > before[2]);
        }
        // Sentinel: one more message and its push; any duplicate of an earlier push would have come first.
        Client a = users.newClient("alice");
        String conv = join(a.sdk().openDirect(bob.name())).conv();
        awaitPushesAfterOneMore(a, conv, apns, fcm, web);
        int expected = users.servers().size() + 1;
        assertThat(apns.getAsLong()).as("APNs pushes for %d messages", expected).isEqualTo(expected);
        assertThat(fcm.getAsLong()).as("FCM pushes for %d messages", expected).isEqualTo(expected);
        assertThat(web.getAsLong()).as("Web Push pushes for %d messages", expected).isEqualTo(expected);
    }

    @Test
    void deadTargetsAreDroppedForGoodAndAnOutageIsRetriedLosingNoMessage() throws Exception {
        PushProviders p = providers();
        TestUsers.User bob = users.register("bob");
        Device iphone = users.login(bob);
        Device oldIphone = users.login(bob);
        Device oldAndroid = users.login(bob);
        Device flakyAndroid = users.login(bob);
        Device oldBrowser = users.login(bob);
        String apnsToken = p.newApnsToken();
        String deadSubscription = p.deadWebPushSubscription();
        String deadEndpoint = p.endpointOf(deadSubscription);
        join(users.rest(iphone).setPushTarget(iphone.token(), "apns", apnsToken));
        join(users.rest(oldIphone).setPushTarget(oldIphone.token(), "apns", p.deadApnsToken()));
        join(users.rest(oldAndroid).setPushTarget(oldAndroid.token(), "fcm", p.deadFcmToken()));
        join(users.rest(flakyAndroid).setPushTarget(flakyAndroid.token(), "fcm", p.unavailableFcmToken()));
        join(users.rest(oldBrowser).setPushTarget(oldBrowser.token(), "webpush", deadSubscription));
        LongSupplier live = () -> apnsTo(p, apnsToken).size();
        LongSupplier deadApns = () -> p.apnsRejected().stream().filter(x -> x.deviceToken().equals(p.deadApnsToken()))
                .count();
        LongSupplier deadFcm = () -> fcmTo(p, p.deadFcmToken()).size();
        LongSupplier down = () -> fcmTo(p, p.unavailableFcmToken()).size();
        LongSupplier deadWeb = () -> webTo(p, deadEndpoint).size();

        Client a = users.newClient("alice");
        String conv = join(a.sdk().openDirect(bob.name())).conv();
        join(a.sdk().send(conv, "are you there?"));
        // the first push: each dead target asked once, the outage tried maxAttempts times
        eventually().until(() -> live.getAsLong() >= 1 && deadApns.getAsLong() >= 1 && deadFcm.getAsLong() >= 1
                && deadWeb.getAsLong() >= 1 && down.getAsLong() >= PushProviders.MAX_ATTEMPTS);
        long retried = down.getAsLong();

        // Later messages, from a sender on each server, each past the rate limit: the live device is
        // woken each time (the sentinel), the dead targets are never asked again by any server, and
        // the outage is retried again.
        List<String> convs = new ArrayList<>(List.of(conv));
        for (URI server : users.servers()) {
            Client sender = users.connect(users.login(users.register("carol"), server));
            String c = join(sender.sdk().openDirect(bob.name())).conv();
            convs.add(c);
            long before = live.getAsLong();
            Thread.sleep(INTERVAL.plusMillis(500).toMillis());
            join(sender.sdk().send(c, "still there?"));
            eventually().until(() -> live.getAsLong() > before);
        }
        assertThat(deadApns.getAsLong()).as("pushes to the APNs token answered 410").isEqualTo(1);
        assertThat(deadFcm.getAsLong()).as("pushes to the FCM token answered UNREGISTERED").isEqualTo(1);
        assertThat(deadWeb.getAsLong()).as("pushes to the Web Push endpoint answered 410").isEqualTo(1);
        assertThat(retried).as("tries of a push during an FCM outage").isGreaterThanOrEqualTo(PushProviders.MAX_ATTEMPTS);
        eventually().until(() -> down.getAsLong() > retried);

        // the inbox is the truth: every message waits for bob, whatever the providers answered
        HistoryRequest latest = HistoryRequest.latest(100);
        for (String c : convs) {
            assertThat(join(users.rest(iphone).history(iphone.token(), c, latest)).messages()).as("bob's inbox of %s", c)
                    .hasSize(1);
        }
    }

    /** Sends one more message and waits until each provider got a push after it was stored. */
    private static void awaitPushesAfterOneMore(Client a, String conv, LongSupplier... counts) {
        long[] before = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            before[i] = counts[i].getAsLong();
        }
        join(a.sdk().send(conv, "sentinel"));
        eventually().atMost(TIMEOUT.plus(INTERVAL)).until(() -> {
            for (int i = 0; i < counts.length; i++) {
                if (counts[i].getAsLong() <= before[i]) {
                    return false;
                }
            }
            return true;
        });
    }

    private static List<ApnsPush> apnsTo(PushProviders p, String token) {
        return p.apnsAccepted().stream().filter(x -> x.deviceToken().equals(token)).toList();
    }

    private static List<FcmRequest> fcmTo(PushProviders p, String token) {
        return p.fcmRequests().stream()
                .filter(r -> json(r.body()).path("message").path("token").asText().equals(token)).toList();
    }

    private static List<WebPush> webTo(PushProviders p, String endpoint) {
        return p.webPushes().stream().filter(x -> x.endpoint().equals(endpoint)).toList();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
