/**
 * Web Push: RFC 8030 delivery to the subscription's endpoint, RFC 8291 (aes128gcm) payload
 * encryption to the subscription's keys, RFC 8292 VAPID identification. Also serves UnifiedPush
 * distributors, which speak Web Push.
 */
package dev.parley.push.webpush;
