package dev.parley.testkit.contract;

import java.util.List;

/**
 * The local push providers a {@link Deployment} runs next to its servers for {@link PushContract}:
 * an APNs server, a Google token endpoint with FCM, and a Web Push service that decrypts what it
 * gets. Each records only what it accepted as authentic (APNs: a provider token signed with the
 * team's key; FCM: the bearer token its own token endpoint issued; Web Push: a valid VAPID JWT of
 * the configured key), and each answers a known target as dead.
 *
 * <p>The servers are configured with these providers, {@code push.maxAttempts}
 * {@value #MAX_ATTEMPTS} and {@code push.minIntervalSeconds}
 * {@value OfflineContract#PUSH_MIN_INTERVAL_SECONDS}.
 */
public interface PushProviders {
    /** {@code push.maxAttempts} of the deployment: tries of one push on retryable answers. */
    int MAX_ATTEMPTS = 3;

    /** One push the local APNs accepted or rejected. */
    record ApnsPush(String deviceToken, String collapseId, String pushType, String payload) {
    }

    /** One request to the local FCM endpoint, authentic or not. */
    record FcmRequest(String authorization, String body) {
    }

    /** One Web Push request that carried a valid VAPID JWT, with its decrypted payload. */
    record WebPush(String endpoint, String plaintext) {
    }

    /** A device token the local APNs knows and accepts; a different one each call. */
    String newApnsToken();

    /** The device token the local APNs answers 410 Unregistered. */
    String deadApnsToken();

    /** Pushes the local APNs accepted, in arrival order. */
    List<ApnsPush> apnsAccepted();

    /** Pushes the local APNs rejected (the dead token among them), in arrival order. */
    List<ApnsPush> apnsRejected();

    /** A registration token the local FCM accepts; a different one each call. */
    String newFcmToken();

    /** The registration token the local FCM answers UNREGISTERED. */
    String deadFcmToken();

    /** The registration token the local FCM answers UNAVAILABLE (an outage). */
    String unavailableFcmToken();

    /** The access token the local token endpoint issues; FCM answers 401 to any other. */
    String fcmAccessToken();

    /** Every request to the local FCM endpoint, in arrival order. */
    List<FcmRequest> fcmRequests();

    /** Access tokens the local token endpoint issued. */
    int fcmAccessTokensIssued();

    /** A browser's PushSubscription JSON for a new endpoint of the local Web Push service. */
    String newWebPushSubscription();

    /** A subscription JSON whose endpoint answers 410 Gone. */
    String deadWebPushSubscription();

    /** The endpoint of a subscription JSON made by this object. */
    String endpointOf(String subscriptionJson);

    /** Authentic Web Push requests, decrypted, in arrival order (the dead endpoint's too). */
    List<WebPush> webPushes();
}
