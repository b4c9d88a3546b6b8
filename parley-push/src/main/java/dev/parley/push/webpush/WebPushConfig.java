package dev.parley.push.webpush;

import java.time.Duration;

/**
 * @param keys    the server's VAPID key pair
 * @param subject a {@code mailto:} or {@code https:} contact for push services (RFC 8292)
 * @param ttl     how long a push service keeps an undelivered push
 * @param timeout timeout of one send
 */
public record WebPushConfig(VapidKeyPair keys, String subject, Duration ttl, Duration timeout) {
}
