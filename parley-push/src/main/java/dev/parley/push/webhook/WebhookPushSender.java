package dev.parley.push.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushTarget;
import dev.parley.push.DestinationGuard;
import dev.parley.push.HttpAnswers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Push by an HTTP POST of a small JSON document to the URL a device registered; the receiver (an
 * app backend, a gateway) wakes the device. Hardened against server-side request forgery (see
 * {@link DestinationGuard}), redirects are not followed, at most {@code maxConcurrent} requests
 * are open at once, and each has a timeout.
 *
 * <p>With a secret configured, every request carries {@value #TIMESTAMP_HEADER} (Unix seconds) and
 * {@value #SIGNATURE_HEADER}: {@code sha256=} and the lowercase hex HMAC-SHA256, under the secret,
 * of the timestamp, a dot and the body. A receiver recomputes it and refuses old timestamps.
 */
public final class WebhookPushSender implements PushSender {
    public static final String SIGNATURE_HEADER = "X-Parley-Signature";
    public static final String TIMESTAMP_HEADER = "X-Parley-Timestamp";

    private final WebhookConfig config;
    private final DestinationGuard guard;
    private final HttpClient http;
    private final Semaphore open;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public WebhookPushSender(WebhookConfig config, DestinationGuard guard, Clock clock) {
        this.config = config;
        this.guard = guard;
        this.clock = clock;
        this.open = new Semaphore(config.maxConcurrent());
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String provider() {
        return "webhook";
    }

    @Override
    public String validateTarget(String target) {
        return guard.checkUrl(target).toString();
    }

    @Override
    public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
        if (!open.tryAcquire()) {
            return CompletableFuture.completedFuture(new PushResult.Retry(null, "webhook concurrency limit reached"));
        }
        CompletableFuture<PushResult> result = guard.checkBeforeSend(target.target())
                .thenCompose(uri -> post(uri, target, n))
                .exceptionally(e -> {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    if (cause instanceof DestinationGuard.RefusedDestination refused) {
                        return new PushResult.Rejected(refused.getMessage());
                    }
                    return new PushResult.Retry(null, cause.toString());
                });
        result.whenComplete((r, e) -> open.release());
        return result;
    }

    private CompletableFuture<PushResult> post(URI uri, PushTarget target, PushNotification n) {
        ObjectNode body = json.createObjectNode();
        body.put("user", target.userId());
        body.put("device", target.deviceId());
        body.put("collapseId", n.collapseId());
        n.data().forEach(body::put);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (config.secret() != null) {
            String timestamp = Long.toString(clock.instant().getEpochSecond());
            request.header(TIMESTAMP_HEADER, timestamp)
                    .header(SIGNATURE_HEADER, "sha256=" + sign(config.secret(), timestamp, bytes));
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .thenApply(r -> HttpAnswers.byStatus(r.statusCode(), r.headers().firstValue("Retry-After")));
    }

    /** Hex HMAC-SHA256 of {@code timestamp + "." + body} under {@code secret}. */
    public static String sign(byte[] secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by the JDK", e);
        }
    }
}
