package dev.parley.server;

import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushSettings;
import dev.parley.push.DestinationGuard;
import dev.parley.push.apns.ApnsConfig;
import dev.parley.push.apns.ApnsPushSender;
import dev.parley.push.fcm.FcmConfig;
import dev.parley.push.fcm.FcmPushSender;
import dev.parley.push.webhook.WebhookConfig;
import dev.parley.push.webhook.WebhookPushSender;
import dev.parley.push.webpush.VapidKeyPair;
import dev.parley.push.webpush.WebPushConfig;
import dev.parley.push.webpush.WebPushSender;
import dev.parley.server.config.ConfigException;
import dev.parley.server.config.ServerConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Builds the push senders the configuration enables (parley-push) and the core's push settings. */
final class PushWiring implements AutoCloseable {
    /** Threads for blocking work of senders: DNS look-ups of the SSRF guard, OAuth2 token refreshes. */
    private static final int BLOCKING_THREADS = 4;

    final List<PushSender> senders = new ArrayList<>();
    final PushSettings settings;
    private final ExecutorService blocking;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    PushWiring(ServerConfig.Push p, Clock clock) {
        this.settings = new PushSettings(p.previews(), p.previewMaxChars(), Duration.ofSeconds(p.minIntervalSeconds()),
                p.queueCapacity(), p.maxConcurrent(), p.maxAttempts(), Duration.ofMillis(p.retryBaseMs()),
                Duration.ofMillis(p.retryMaxMs()), p.maxTargetsPerUser());
        this.blocking = Executors.newFixedThreadPool(BLOCKING_THREADS, r -> {
            Thread t = new Thread(r, "parley-push-blocking");
            t.setDaemon(true);
            return t;
        });
        Duration timeout = Duration.ofMillis(p.timeoutMs());
        try {
            if (p.webhook().enabled()) {
                byte[] secret = p.webhook().secret().isEmpty() ? null
                        : p.webhook().secret().getBytes(StandardCharsets.UTF_8);
                senders.add(new WebhookPushSender(new WebhookConfig(timeout, p.webhook().maxConcurrent(), secret),
                        new DestinationGuard(p.webhook().allowList(), p.allowPrivateAddresses(), blocking), clock));
            }
            if (p.webpush().enabled()) {
                senders.add(new WebPushSender(new WebPushConfig(
                        new VapidKeyPair(p.webpush().publicKey(), p.webpush().privateKey()), p.webpush().subject(),
                        Duration.ofSeconds(p.webpush().ttlSeconds()), timeout),
                        new DestinationGuard(p.webpush().allowList(), p.allowPrivateAddresses(), blocking)));
            }
            if (p.fcm().enabled()) {
                senders.add(new FcmPushSender(new FcmConfig(p.fcm().projectId(), p.fcm().serviceAccountFile(),
                        URI.create(p.fcm().baseUrl()), p.fcm().tokenUri().isEmpty() ? null
                        : URI.create(p.fcm().tokenUri()), timeout), blocking));
            }
            if (p.apns().enabled()) {
                ServerConfig.Apns a = p.apns();
                ApnsPushSender apns = new ApnsPushSender(new ApnsConfig(a.host(), a.topic(), a.keyFile(), a.keyId(),
                        a.teamId(), a.certFile(), a.certPassword(), a.trustedCertFile(), timeout));
                closeables.add(apns);
                senders.add(apns);
            }
        } catch (RuntimeException e) {
            close();
            throw new ConfigException("push: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing: nothing more to do with it
            }
        }
        blocking.shutdownNow();
        try {
            blocking.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
