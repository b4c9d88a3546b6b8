package dev.parley.core.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A token bucket per key ({@code perSecond} a second, {@code burst} at once), shared by whoever
 * acts for the key on any thread: the sends of one user over all of the user's connections to
 * this server (the per-connection {@link RateLimiter} alone would let a user with n devices send
 * n times as much), or the REST requests of one device.
 *
 * <p>A bucket is kept while it is in use and afterwards until it has refilled: reconnecting does
 * not reset it. {@link #forgetIdle} drops the others, so memory follows the keys active in the
 * last {@code burst / perSecond} seconds (and those still connected).
 *
 * <p>Thread-safe.
 */
public final class TokenBuckets {
    /** One key's bucket; shared across threads, so its methods lock. */
    public static final class Bucket {
        private final TokenBuckets owner;
        private double tokens;
        private long last;

        private Bucket(TokenBuckets owner, long now) {
            this.owner = owner;
            this.tokens = owner.burst;
            this.last = now;
        }

        /** Takes one send; returns 0 when allowed, else the nanoseconds until one is allowed. */
        public synchronized long tryAcquire() {
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

    public TokenBuckets(int perSecond, int burst, LongSupplier ticker) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("perSecond and burst must be positive, were " + perSecond + ", " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokensPerNano = perSecond / 1e9;
        this.ticker = ticker;
    }

    /** The bucket of a key, created full when the key has none. */
    public Bucket of(String key) {
        return buckets.computeIfAbsent(key, u -> new Bucket(this, ticker.getAsLong()));
    }

    /** Drops the full buckets of keys that are not {@code inUse}. */
    public void forgetIdle(Predicate<String> inUse) {
        long now = ticker.getAsLong();
        buckets.entrySet().removeIf(e -> !inUse.test(e.getKey()) && e.getValue().isFull(now));
    }

    /** Keys with a bucket now. */
    public int size() {
        return buckets.size();
    }

    /** {@code "100/s, burst 200"}. */
    public String describe() {
        return perSecond + "/s, burst " + burst;
    }
}
