package dev.parley.core.push;

import java.time.Duration;

/**
 * How pushes are sent, whatever the provider.
 *
 * @param previews           include the latest message's conversation, sender and body; off by default
 *                           (a data-only "wake up and sync" push)
 * @param previewMaxChars    longest body in a preview, in characters
 * @param minInterval        least time between two pushes to one device; messages in between are
 *                           coalesced into the next push
 * @param queueCapacity      most devices waiting for a push; beyond it a push is dropped (and counted)
 * @param maxConcurrent      most push requests in flight at once, all providers together
 * @param maxAttempts        tries of one push on retryable answers, the first included
 * @param retryBase          first backoff after a retryable answer; doubles with each try
 * @param retryMax           longest backoff
 * @param maxTargetsPerUser  most devices of one user with a push target
 */
public record PushSettings(boolean previews, int previewMaxChars, Duration minInterval, int queueCapacity,
                           int maxConcurrent, int maxAttempts, Duration retryBase, Duration retryMax,
                           int maxTargetsPerUser) {
    public PushSettings {
        if (previewMaxChars < 1 || queueCapacity < 1 || maxConcurrent < 1 || maxAttempts < 1 || maxTargetsPerUser < 1) {
            throw new IllegalArgumentException("push limits must be positive");
        }
        if (minInterval.isNegative() || retryBase.isNegative() || retryMax.compareTo(retryBase) < 0) {
            throw new IllegalArgumentException("push intervals must be non-negative and retryMax >= retryBase");
        }
    }

    /** The defaults documented in docs/CONFIGURATION.md. */
    public static PushSettings defaults() {
        return new PushSettings(false, 100, Duration.ofSeconds(30), 100_000, 64, 5, Duration.ofSeconds(1),
                Duration.ofMinutes(5), 10);
    }

    public PushSettings withMinInterval(Duration interval) {
        return new PushSettings(previews, previewMaxChars, interval, queueCapacity, maxConcurrent, maxAttempts,
                retryBase, retryMax, maxTargetsPerUser);
    }

    public PushSettings withRetry(int attempts, Duration base, Duration max) {
        return new PushSettings(previews, previewMaxChars, minInterval, queueCapacity, maxConcurrent, attempts, base,
                max, maxTargetsPerUser);
    }

    public PushSettings withPreviews(boolean on) {
        return new PushSettings(on, previewMaxChars, minInterval, queueCapacity, maxConcurrent, maxAttempts, retryBase,
                retryMax, maxTargetsPerUser);
    }

    public PushSettings withCapacity(int queue, int concurrent) {
        return new PushSettings(previews, previewMaxChars, minInterval, queue, concurrent, maxAttempts, retryBase,
                retryMax, maxTargetsPerUser);
    }

    public PushSettings withMaxTargetsPerUser(int max) {
        return new PushSettings(previews, previewMaxChars, minInterval, queueCapacity, maxConcurrent, maxAttempts,
                retryBase, retryMax, max);
    }
}
