package dev.parley.core.push;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.account.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Push by HTTP POST of a JSON {@link PushNotification} to the URL the device registered; the
 * receiving service (an app backend, a gateway to FCM or APNs) wakes the device. A non-2xx
 * answer fails the stage.
 */
public final class WebhookPushSender implements PushSender {
    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    public WebhookPushSender(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String provider() {
        return "webhook";
    }

    @Override
    public CompletionStage<Void> send(Device device, PushNotification notification) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(notification);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(device.pushTarget()))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> {
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("webhook answered HTTP " + r.statusCode());
            }
        });
    }
}
