/**
 * Push: waking offline devices. {@link dev.parley.core.push.PushService} picks the devices (offline
 * recipients with a target, at most {@code maxTargetsPerUser} per user) and keeps targets
 * (registration checked by the provider's {@link dev.parley.core.push.PushSender}, dead ones
 * removed); {@code PushDispatcher} sends.
 *
 * <p>Guarantees: a push never delays the message path (a bounded queue, drops counted); one push
 * per device per burst (coalesced, rate-limited per device); retryable answers retried with
 * backoff; private by default (no body, sender or conversation unless previews are enabled).
 * A push is best effort: the inbox, not the push, carries the message.
 */
package dev.parley.core.push;
