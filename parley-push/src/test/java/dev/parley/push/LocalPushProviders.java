package dev.parley.push;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.push.apns.LocalApns;
import dev.parley.push.fcm.FakeGoogle;
import dev.parley.push.webpush.VapidKeyPair;
import dev.parley.push.webpush.WebPushReceiver;
import dev.parley.testkit.contract.OfflineContract;
import dev.parley.testkit.contract.PushProviders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local APNs (Pushy's mock), Google token endpoint and FCM, and Web Push service of the
 * contract suite, started once before the servers of a deployment, which {@link #serverEnv()}
 * configures to use them.
 */
public final class LocalPushProviders implements PushProviders, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** APNs device tokens the local APNs knows: enough for a test class (it only accepts known ones). */
    private static final int APNS_TOKENS = 256;
    private static final String FCM_PROJECT = "parley-contract";

    private final List<String> apnsTokens = new ArrayList<>();
    private final AtomicInteger nextApnsToken = new AtomicInteger();
    private final String deadApnsToken = "de".repeat(32);
    private final VapidKeyPair vapid = VapidKeyPair.generate();
    private final LocalApns apns;
    private final FakeGoogle google;
    private final WebPushReceiver webPush;

    /** Starts the providers; their keys and certificates are written under {@code dir}. */
    public static LocalPushProviders start(Path dir) {
        try {
            return new LocalPushProviders(dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the local push providers", e);
        }
    }

    private LocalPushProviders(Path dir) throws Exception {
        Set<String> tokens = new LinkedHashSet<>();
        for (int i = 0; i < APNS_TOKENS; i++) {
            tokens.add(HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(32).putLong(24, i + 1L).array()));
        }
        apnsTokens.addAll(tokens);
        apns = new LocalApns(dir, tokens, deadApnsToken);
        google = new FakeGoogle(dir, FCM_PROJECT);
        webPush = new WebPushReceiver(vapid.publicKey());
    }

    /**
     * The {@code PARLEY_PUSH_*} settings of a server using these providers: all three enabled, the
     * local APNs's certificate trusted, {@value PushProviders#MAX_ATTEMPTS} tries 200 ms apart at first,
     * the contract's push interval and webhook secret, and loopback destinations allowed.
     */
    public Map<String, String> serverEnv() {
        return Map.ofEntries(
                Map.entry("PARLEY_PUSH_ALLOW_PRIVATE_ADDRESSES", "true"),
                Map.entry("PARLEY_PUSH_MIN_INTERVAL_SECONDS", Integer.toString(OfflineContract.PUSH_MIN_INTERVAL_SECONDS)),
                Map.entry("PARLEY_PUSH_WEBHOOK_SECRET", OfflineContract.WEBHOOK_SECRET),
                Map.entry("PARLEY_PUSH_RETRY_BASE_MS", "200"),
                Map.entry("PARLEY_PUSH_MAX_ATTEMPTS", Integer.toString(MAX_ATTEMPTS)),
                Map.entry("PARLEY_PUSH_APNS_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_APNS_HOST", apns.host()),
                Map.entry("PARLEY_PUSH_APNS_TOPIC", LocalApns.TOPIC),
                Map.entry("PARLEY_PUSH_APNS_KEY_FILE", apns.signingKeyP8.toString()),
                Map.entry("PARLEY_PUSH_APNS_KEY_ID", LocalApns.KEY_ID),
                Map.entry("PARLEY_PUSH_APNS_TEAM_ID", LocalApns.TEAM),
                Map.entry("PARLEY_PUSH_APNS_TRUSTED_CERT_FILE", apns.serverCertPem.toString()),
                Map.entry("PARLEY_PUSH_FCM_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_FCM_PROJECT_ID", FCM_PROJECT),
                Map.entry("PARLEY_PUSH_FCM_SERVICE_ACCOUNT_FILE", google.keyFile.toString()),
                Map.entry("PARLEY_PUSH_FCM_BASE_URL", google.fcm.url("")),
                Map.entry("PARLEY_PUSH_FCM_TOKEN_URI", google.tokenServer.url("/token")),
                Map.entry("PARLEY_PUSH_WEBPUSH_ENABLED", "true"),
                Map.entry("PARLEY_PUSH_WEBPUSH_PUBLIC_KEY", vapid.publicKey()),
                Map.entry("PARLEY_PUSH_WEBPUSH_PRIVATE_KEY", vapid.privateKey()),
                Map.entry("PARLEY_PUSH_WEBPUSH_SUBJECT", "mailto:ops@example.com"));
    }

    @Override
    public String newApnsToken() {
        int i = nextApnsToken.getAndIncrement();
        if (i >= apnsTokens.size()) {
            throw new IllegalStateException("the local APNs knows only " + apnsTokens.size() + " device tokens");
        }
        return apnsTokens.get(i);
    }

    @Override
    public String deadApnsToken() {
        return deadApnsToken;
    }

    @Override
    public List<ApnsPush> apnsAccepted() {
        return apns.accepted.stream().map(LocalPushProviders::apnsPush).toList();
    }

    @Override
    public List<ApnsPush> apnsRejected() {
        return apns.rejected.stream().map(LocalPushProviders::apnsPush).toList();
    }

    private static ApnsPush apnsPush(LocalApns.Accepted a) {
        return new ApnsPush(a.deviceToken(), a.collapseId(), a.pushType(), a.payload());
    }

    @Override
    public String newFcmToken() {
        return "live-" + UUID.randomUUID();
    }

    @Override
    public String deadFcmToken() {
        return "dead-token";
    }

    @Override
    public String unavailableFcmToken() {
        return "down-token";
    }

    @Override
    public String fcmAccessToken() {
        return FakeGoogle.ACCESS_TOKEN;
    }

    @Override
    public List<FcmRequest> fcmRequests() {
        return google.fcm.received.stream().map(r -> new FcmRequest(r.header("Authorization"), r.bodyText())).toList();
    }

    @Override
    public int fcmAccessTokensIssued() {
        return google.tokensIssued.get();
    }

    @Override
    public String newWebPushSubscription() {
        return webPush.subscriptionJson(webPush.server.url("/push/" + UUID.randomUUID()));
    }

    @Override
    public String deadWebPushSubscription() {
        return webPush.subscriptionJson(webPush.server.url("/gone/" + UUID.randomUUID()));
    }

    @Override
    public String endpointOf(String subscriptionJson) {
        try {
            return JSON.readTree(subscriptionJson).path("endpoint").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<WebPush> webPushes() {
        return webPush.delivered.stream().map(d -> new WebPush(d.endpoint(), d.plaintext())).toList();
    }

    @Override
    public void close() throws Exception {
        webPush.close();
        google.close();
        apns.close();
    }
}
