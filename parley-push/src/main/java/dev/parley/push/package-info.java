/**
 * Push senders behind the core's {@link dev.parley.core.push.PushSender} port, one sub-package per
 * provider: {@code apns} (Pushy, HTTP/2), {@code fcm} (HTTP v1 with OAuth2 service-account
 * tokens), {@code webpush} (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID) and
 * {@code webhook} (an HMAC-signed POST to an allowed, public address).
 *
 * <p>Every sender maps its provider's answer onto {@link dev.parley.core.push.PushResult}: accepted,
 * retry (with the provider's Retry-After when it gives one), dead target (removed from the device
 * for good) or rejected. Coalescing, rate limits, retries and metrics are the core's
 * ({@code PushDispatcher}); senders never block the calling thread.
 */
package dev.parley.push;
