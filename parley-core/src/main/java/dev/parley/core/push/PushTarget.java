package dev.parley.core.push;

import java.util.Objects;

/**
 * Where one device is woken: its provider and the provider-specific target (an APNs device
 * token, an FCM registration token, a Web Push subscription as JSON, a webhook URL).
 */
public record PushTarget(String userId, String deviceId, String provider, String target) {
    public PushTarget {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(target, "target");
    }

    @Override
    public String toString() {
        // the target is a credential of sorts (it lets anyone wake the device): never logged
        return "PushTarget[" + userId + "/" + deviceId + " via " + provider + "]";
    }
}
