package dev.parley.server.config;

import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.throwIf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code push} section: what every push provider shares and each provider's credentials.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Push}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface PushSection {

    /**
     * Push notifications: the behaviour shared by every provider (see {@code PushSettings} in the
     * core) and each provider's credentials. Documented key by key in docs/CONFIGURATION.md.
     */
    public record Push(boolean previews, int previewMaxChars, int minIntervalSeconds, int queueCapacity,
                       int maxConcurrent, int maxAttempts, int retryBaseMs, int retryMaxMs, int maxTargetsPerUser,
                       int timeoutMs, boolean allowPrivateAddresses, Webhook webhook, WebPush webpush, Fcm fcm,
                       Apns apns) {
        public Push {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.PUSH_TIMEOUT_MS, timeoutMs);
            range(p, ConfigKey.PUSH_MIN_INTERVAL_SECONDS, minIntervalSeconds);
            if (retryMaxMs < retryBaseMs) {
                p.add("push.retryMaxMs must be at least push.retryBaseMs");
            }
            throwIf(p);
        }

    }

    /** The webhook provider. */
    public record Webhook(boolean enabled, List<String> allowList, String secret, int maxConcurrent) {
    }

    /** Web Push. */
    public record WebPush(boolean enabled, String publicKey, String privateKey, String subject, int ttlSeconds,
                          List<String> allowList) {
        public WebPush {
            List<String> p = new ArrayList<>();
            if (enabled && (publicKey.isEmpty() || privateKey.isEmpty())) {
                p.add("push.webpush.publicKey and push.webpush.privateKey are required when push.webpush.enabled "
                        + "(./parley vapid-keys makes a pair)");
            }
            if (enabled && !(subject.startsWith("mailto:") || subject.startsWith("https://"))) {
                p.add("push.webpush.subject must be a mailto: or https: contact when push.webpush.enabled");
            }
            throwIf(p);
        }
    }

    /** Firebase Cloud Messaging. */
    public record Fcm(boolean enabled, String projectId, Path serviceAccountFile, String baseUrl, String tokenUri) {
        public Fcm {
            List<String> p = new ArrayList<>();
            if (enabled && (projectId.isEmpty() || serviceAccountFile == null)) {
                p.add("push.fcm.projectId and push.fcm.serviceAccountFile are required when push.fcm.enabled");
            }
            throwIf(p);
        }
    }

    /** Apple Push Notification service: token auth (keyFile, keyId, teamId) or certificate auth (certFile). */
    public record Apns(boolean enabled, String host, String topic, Path keyFile, String keyId, String teamId,
                       Path certFile, String certPassword, Path trustedCertFile) {
        public Apns {
            List<String> p = new ArrayList<>();
            if (enabled && topic.isEmpty()) {
                p.add("push.apns.topic (the app's bundle id) is required when push.apns.enabled");
            }
            if (enabled && (keyFile == null) == (certFile == null)) {
                p.add("push.apns needs exactly one of push.apns.keyFile (token auth) and push.apns.certFile "
                        + "(certificate auth)");
            }
            if (enabled && keyFile != null && (keyId.isEmpty() || teamId.isEmpty())) {
                p.add("push.apns.keyId and push.apns.teamId are required with push.apns.keyFile");
            }
            throwIf(p);
        }
    }
}
