package dev.parley.core.push;

import java.time.Duration;

/** What a provider answered to one push. */
public sealed interface PushResult {

    /** The provider accepted the push. */
    record Delivered() implements PushResult {
    }

    /**
     * A temporary failure (quota, outage, timeout): try again later.
     *
     * @param after the provider's own hint (Retry-After), or null to use the backoff
     */
    record Retry(Duration after, String reason) implements PushResult {
    }

    /** The provider says the target no longer exists: it is removed from the device for good. */
    record DeadTarget(String reason) implements PushResult {
    }

    /** The provider refused this push (a malformed request): retrying would not help; it is dropped. */
    record Rejected(String reason) implements PushResult {
    }

    static PushResult delivered() {
        return new Delivered();
    }
}
