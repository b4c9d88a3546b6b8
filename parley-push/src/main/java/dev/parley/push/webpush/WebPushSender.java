package dev.parley.push.webpush;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.interaso.webpush.WebPush;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushTarget;
import dev.parley.push.DestinationGuard;
import dev.parley.push.HttpAnswers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends an encrypted, VAPID-signed Web Push to a subscription's endpoint. The target is the
 * browser's {@code PushSubscription} as JSON. Endpoints are user-supplied URLs, so they pass the
 * same {@link DestinationGuard} as webhooks. A {@code Topic} header (RFC 8030 §5.4) lets the push
 * service keep only the newest undelivered push; 404 and 410 mean the subscription is gone.
 */
public final class WebPushSender implements PushSender {
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");

    private final WebPush webPush;
    private final WebPushConfig config;
    private final DestinationGuard guard;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public WebPushSender(WebPushConfig config, DestinationGuard guard) {
        this.config = config;
        this.guard = guard;
        this.webPush = new WebPush(config.subject(), config.keys().toLibraryKeys());
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String provider() {
        return "webpush";
    }

    /** Accepts {@code {"endpoint":url,"keys":{"p256dh":..,"auth":..}}}; stores it in that compact form. */
    @Override
    public String validateTarget(String target) {
        Subscription s = Subscription.parse(json, target);
        guard.checkUrl(s.endpoint);
        ObjectNode n = json.createObjectNode();
        n.put("endpoint", s.endpoint);
        ObjectNode keys = n.putObject("keys");
        keys.put("p256dh", s.p256dhText);
        keys.put("auth", s.authText);
        return n.toString();
    }

    @Override
    public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
        Subscription s;
        try {
            s = Subscription.parse(json, target.target());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new PushResult.DeadTarget("unreadable subscription"));
        }
        return guard.checkBeforeSend(s.endpoint).thenCompose(uri -> post(uri, s, n)).exceptionally(e -> {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return cause instanceof DestinationGuard.RefusedDestination r ? new PushResult.Rejected(r.getMessage())
                    : new PushResult.Retry(null, cause.toString());
        });
    }

    private CompletableFuture<PushResult> post(URI uri, Subscription s, PushNotification n) {
        ObjectNode payload = json.createObjectNode();
        n.data().forEach(payload::put);
        byte[] body = webPush.getBody(payload.toString().getBytes(StandardCharsets.UTF_8), s.p256dh, s.auth);
        Map<String, String> headers = webPush.getHeaders(s.endpoint, (int) config.ttl().toSeconds(), n.collapseId(),
                WebPush.Urgency.High);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((k, v) -> {
            if (!RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                request.header(k, v);
            }
        });
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .thenApply(r -> HttpAnswers.byStatus(r.statusCode(), r.headers().firstValue("Retry-After")));
    }

    /** A browser's push subscription. */
    private record Subscription(String endpoint, String p256dhText, String authText, byte[] p256dh, byte[] auth) {
        static Subscription parse(ObjectMapper json, String text) {
            JsonNode n;
            try {
                n = json.readTree(text);
            } catch (IOException e) {
                throw new IllegalArgumentException("a Web Push target is the subscription as JSON: "
                        + "{\"endpoint\":..,\"keys\":{\"p256dh\":..,\"auth\":..}}");
            }
            String endpoint = n.path("endpoint").asText("");
            String p256dh = n.path("keys").path("p256dh").asText("");
            String auth = n.path("keys").path("auth").asText("");
            if (endpoint.isEmpty() || p256dh.isEmpty() || auth.isEmpty()) {
                throw new IllegalArgumentException("a Web Push subscription needs endpoint, keys.p256dh and keys.auth");
            }
            byte[] p, a;
            try {
                p = Base64.getUrlDecoder().decode(p256dh.replace("=", ""));
                a = Base64.getUrlDecoder().decode(auth.replace("=", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("keys.p256dh and keys.auth must be base64url");
            }
            if (p.length != 65 || p[0] != 4) {
                throw new IllegalArgumentException("keys.p256dh must be an uncompressed P-256 point (65 bytes)");
            }
            if (a.length != 16) {
                throw new IllegalArgumentException("keys.auth must be 16 bytes");
            }
            return new Subscription(endpoint, p256dh, auth, p, a);
        }
    }
}
