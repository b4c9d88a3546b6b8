package dev.parley.client;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter. Attempt {@code n} (0 for the first retry) waits a random time
 * in {@code [base/2, base]} where {@code base = min(max, min * 2^n)}, clamped to
 * {@code [min, max]}: the first retry waits exactly {@code min}, later ones spread out so that
 * many clients dropped at once do not return in lock step. Immutable and thread-safe.
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;

    Backoff(Duration min, Duration max) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("minimum backoff must be positive: " + min);
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("maximum backoff " + max + " is below the minimum " + min);
        }
        this.minMillis = min.toMillis();
        this.maxMillis = max.toMillis();
    }

    /**
     * The delay before retry number {@code attempt} (0-based).
     *
     * @param random a source of uniform numbers in {@code [0, 1)}
     */
    long delayMillis(int attempt, DoubleSupplier random) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative: " + attempt);
        }
        long base = maxMillis;
        if (attempt < 62) {
            long scaled = minMillis << Math.min(attempt, 62);
            if (scaled > 0 && (scaled >> Math.min(attempt, 62)) == minMillis) {
                base = Math.min(maxMillis, scaled);
            }
        }
        double u = random.getAsDouble();
        long delay = base / 2 + (long) (u * (base - base / 2));
        return Math.max(minMillis, Math.min(maxMillis, delay));
    }

    long minMillis() {
        return minMillis;
    }

    long maxMillis() {
        return maxMillis;
    }
}
