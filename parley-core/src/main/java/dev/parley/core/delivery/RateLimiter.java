package dev.parley.core.delivery;

/**
 * A token bucket: {@code perSecond} tokens a second, at most {@code burst} saved up. Not
 * thread-safe: one per connection, used on its executor. The caller passes the time (monotonic
 * nanoseconds of the server's ticker), so the bucket keeps no reference to a clock.
 */
final class RateLimiter {
    private final int perSecond;
    private final int burst;
    private double tokens;
    private long last;

    RateLimiter(int perSecond, int burst, long nowNanos) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    boolean tryAcquire(long now) {
        tokens = Math.min(burst, tokens + (now - last) * (perSecond / 1e9)); // not a field: 8 bytes per connection
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    String describe() {
        return perSecond + "/s, burst " + burst;
    }
}
