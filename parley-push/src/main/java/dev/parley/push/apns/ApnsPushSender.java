package dev.parley.push.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Sends to APNs with Pushy over HTTP/2. Private pushes are background pushes
 * ({@code content-available}, priority 5); with previews on they are alerts showing the sender
 * and text (priority 10). Every push carries {@code apns-collapse-id}, so a device shows only
 * the newest. 410 (Unregistered) marks the token dead; 429, 500 and 503 are retried; any other
 * rejection drops the push.
 */
public final class ApnsPushSender implements PushSender, AutoCloseable {
    private final ApnsClient client;
    private final String topic;
    private final ObjectMapper json = new ObjectMapper();

    /** @throws IllegalArgumentException when the key, certificate or host cannot be used */
    public ApnsPushSender(ApnsConfig config) {
        this.topic = config.topic();
        try {
            ApnsClientBuilder b = new ApnsClientBuilder().setConnectionTimeout(config.timeout());
            String host = config.host();
            if (host.equals("production")) {
                b.setApnsServer(ApnsClientBuilder.PRODUCTION_APNS_HOST);
            } else if (host.equals("sandbox")) {
                b.setApnsServer(ApnsClientBuilder.DEVELOPMENT_APNS_HOST);
            } else {
                int colon = host.lastIndexOf(':');
                if (colon > 0 && !host.endsWith("]")) {
                    b.setApnsServer(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1)));
                } else {
                    b.setApnsServer(host);
                }
            }
            if (config.keyFile() != null) {
                b.setSigningKey(ApnsSigningKey.loadFromPkcs8File(config.keyFile().toFile(), config.teamId(),
                        config.keyId()));
            } else {
                b.setClientCredentials(config.certFile().toFile(), config.certPassword());
            }
            if (config.trustedCertFile() != null) {
                b.setTrustedServerCertificateChain(config.trustedCertFile().toFile());
            }
            this.client = b.build();
        } catch (IOException e) {
            throw new UncheckedIOException("APNs credentials cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException | InvalidKeyException | NumberFormatException e) {
            throw new IllegalArgumentException("APNs configuration is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public String provider() {
        return "apns";
    }

    @Override
    public String validateTarget(String target) {
        if (target.length() < 32 || target.length() > 200 || !target.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("an APNs device token is 32 to 200 hexadecimal digits");
        }
        return target.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
        ObjectNode payload = json.createObjectNode();
        ObjectNode aps = payload.putObject("aps");
        boolean alert = n.preview() != null;
        if (alert) {
            ObjectNode a = aps.putObject("alert");
            a.put("title", n.preview().from());
            a.put("body", n.preview().body());
            aps.put("mutable-content", 1);
        } else {
            aps.put("content-available", 1);
        }
        n.data().forEach(payload::put);
        SimpleApnsPushNotification push = new SimpleApnsPushNotification(target.target(), topic, payload.toString(),
                Instant.now().plusSeconds(TimeUnit.DAYS.toSeconds(1)),
                alert ? DeliveryPriority.IMMEDIATE : DeliveryPriority.CONSERVE_POWER,
                alert ? PushType.ALERT : PushType.BACKGROUND, n.collapseId());
        return client.sendNotification(push).thenApply(ApnsPushSender::answer);
    }

    static PushResult answer(PushNotificationResponse<?> r) {
        if (r.isAccepted()) {
            return PushResult.delivered();
        }
        String reason = r.getRejectionReason().orElse("");
        int status = r.getStatusCode();
        if (status == 410 || reason.equals("Unregistered") || r.getTokenInvalidationTimestamp().isPresent()) {
            return new PushResult.DeadTarget("APNs " + status + " " + reason);
        }
        if (status == 429 || status == 500 || status == 503) {
            return new PushResult.Retry(null, "APNs " + status + " " + reason);
        }
        return new PushResult.Rejected("APNs " + status + " " + reason);
    }

    @Override
    public void close() {
        try {
            client.close().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // closing: connections are dropped either way
        }
    }
}
