package dev.parley.core.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The send limit of each user over all of the user's connections to this server: a token bucket
 * per user ({@code perSecond} sends a second, {@code burst} at once), shared by the user's
 * sessions, which run on different event loops. The per-connection {@link RateLimiter} alone
 * would let a user with n devices send n times as much.
 *
 * <p>A bucket exists while its user has a session here, and afterwards until it has refilled:
 * reconnecting does not reset it. {@link #forgetIdle} drops the others, so memory follows the
 * users connected (and those who left in the last {@code burst / perSecond} seconds).
 *
 * <p>Thread-safe.
 */
final class UserSendLimits {
    /** One user's bucket; shared by the user's sessions, so its methods lock. */
    static final class Bucket {
        private final UserSendLimits owner;
        private double tokens;
        private long last;

        private Bucket(UserSendLimits owner, long now) {
            this.owner = owner;
            this.tokens = owner.burst;
            this.last = now;
        }

        /** Takes one send; returns 0 when allowed, else the nanoseconds until one is allowed. */
        synchronized long tryAcquire() {
            long now = owner.ticker.getAsLong();
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / owner.tokensPerNano));
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= owner.burst;
        }

        private void refill(long now) {
            tokens = Math.min(owner.burst, tokens + (now - last) * owner.tokensPerNano);
            last = now;
        }
    }

    private final int perSecond;
    private final int burst;
    private final double tokensPerNano;
    private final LongSupplier ticker;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    UserSendLimits(int perSecond, int burst, LongSupplier ticker) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("perSecond and burst must be positive, were " + perSecond + ", " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokensPerNano = perSecond / 1e9;
        this.ticker = ticker;
    }

    /** The bucket of a user, created full when the user has none. */
    Bucket of(String userId) {
        return buckets.computeIfAbsent(userId, u -> new Bucket(this, ticker.getAsLong()));
    }

    /** Drops the buckets of users without a session here whose bucket is full again. */
    void forgetIdle(Predicate<String> connected) {
        long now = ticker.getAsLong();
        buckets.entrySet().removeIf(e -> !connected.test(e.getKey()) && e.getValue().isFull(now));
    }

    /** Users with a bucket now. */
    int size() {
        return buckets.size();
    }

    String describe() {
        return perSecond + " sends/s per user, burst " + burst;
    }
}
