package dev.parley.push.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushTarget;
import dev.parley.push.HttpAnswers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Sends data-only, high-priority FCM messages with {@code android.collapse_key} set (and, for iOS
 * apps on FCM, a silent APNs background push with {@code apns-collapse-id}), so a device that was
 * offline gets only the newest. Answers, by the FCM error code of the v1 API:
 * UNREGISTERED and SENDER_ID_MISMATCH mark the token dead; INVALID_ARGUMENT and other client
 * errors drop the push; QUOTA_EXCEEDED (429, with Retry-After), UNAVAILABLE, INTERNAL and 401 (an
 * access token that expired in flight) are retried.
 */
public final class FcmPushSender implements PushSender {
    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

    private final GoogleCredentials credentials;
    private final URI sendUri;
    private final FcmConfig config;
    private final Executor blocking;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param blocking where token refreshes run (the auth library blocks on its own HTTP call)
     * @throws UncheckedIOException when the key file cannot be read or is not a service-account key
     */
    public FcmPushSender(FcmConfig config, Executor blocking) {
        this.config = config;
        this.blocking = blocking;
        try (InputStream in = Files.newInputStream(config.serviceAccountFile())) {
            ServiceAccountCredentials key = ServiceAccountCredentials.fromStream(in);
            if (config.tokenUri() != null) {
                key = key.toBuilder().setTokenServerUri(config.tokenUri()).build();
            }
            this.credentials = key.createScoped(List.of(SCOPE));
        } catch (IOException e) {
            throw new UncheckedIOException("FCM service account key " + config.serviceAccountFile()
                    + " cannot be read: " + e.getMessage(), e);
        }
        String base = config.baseUrl().toString().replaceAll("/+$", "");
        this.sendUri = URI.create(base + "/v1/projects/" + config.projectId() + "/messages:send");
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    }

    @Override
    public String provider() {
        return "fcm";
    }

    @Override
    public String validateTarget(String target) {
        if (target.length() > 4096 || !target.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("an FCM registration token is printable ASCII without spaces");
        }
        return target;
    }

    @Override
    public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
        return CompletableFuture.supplyAsync(this::accessToken, blocking)
                .thenCompose(token -> http.sendAsync(HttpRequest.newBuilder(sendUri)
                        .timeout(config.timeout())
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json; charset=UTF-8")
                        .POST(HttpRequest.BodyPublishers.ofString(message(target, n).toString()))
                        .build(), HttpResponse.BodyHandlers.ofString()))
                .thenApply(r -> answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After")));
    }

    private String accessToken() {
        try {
            credentials.refreshIfExpired();
            return credentials.getAccessToken().getTokenValue();
        } catch (IOException e) {
            throw new UncheckedIOException("FCM access token not obtained: " + e.getMessage(), e);
        }
    }

    ObjectNode message(PushTarget target, PushNotification n) {
        ObjectNode root = json.createObjectNode();
        ObjectNode m = root.putObject("message");
        m.put("token", target.target());
        ObjectNode data = m.putObject("data");
        n.data().forEach(data::put);
        ObjectNode android = m.putObject("android");
        android.put("collapse_key", n.collapseId());
        android.put("priority", "high");
        // apps on iOS that use FCM get the same silent wake-up through APNs
        ObjectNode apns = m.putObject("apns");
        ObjectNode headers = apns.putObject("headers");
        headers.put("apns-push-type", "background");
        headers.put("apns-priority", "5");
        headers.put("apns-collapse-id", n.collapseId());
        apns.putObject("payload").putObject("aps").put("content-available", 1);
        return root;
    }

    PushResult answer(int status, String body, Optional<String> retryAfter) {
        if (status / 100 == 2) {
            return PushResult.delivered();
        }
        String code = errorCode(body);
        switch (code) {
            case "UNREGISTERED", "SENDER_ID_MISMATCH":
                return new PushResult.DeadTarget("FCM " + code);
            case "QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL":
                return new PushResult.Retry(retryAfter.map(HttpAnswers::retryAfter).orElse(null), "FCM " + code);
            case "INVALID_ARGUMENT", "THIRD_PARTY_AUTH_ERROR":
                return new PushResult.Rejected("FCM " + code);
            default:
                if (status == 401) {
                    return new PushResult.Retry(null, "FCM 401: access token refused");
                }
                PushResult byStatus = HttpAnswers.byStatus(status, retryAfter);
                // FCM answers 404 for an unknown project too: only its error code proves a dead token
                return byStatus instanceof PushResult.DeadTarget ? new PushResult.Rejected("FCM HTTP " + status)
                        : byStatus;
        }
    }

    private String errorCode(String body) {
        try {
            JsonNode error = json.readTree(body).path("error");
            for (JsonNode d : error.path("details")) {
                if (d.has("errorCode")) {
                    return d.get("errorCode").asText();
                }
            }
            return error.path("status").asText("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
