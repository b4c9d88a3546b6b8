package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));

    @Test
    void firstRetryWaitsTheMinimum() {
        assertThat(backoff.delayMillis(0, () -> 0.0)).isEqualTo(200);
        assertThat(backoff.delayMillis(0, () -> 0.999)).isEqualTo(200);
    }

    @Test
    void delaysDoubleWithinTheJitterBand() {
        // attempt n: base = 200 * 2^n, delay in [base/2, base]
        assertThat(backoff.delayMillis(1, () -> 0.0)).isEqualTo(200);
        assertThat(backoff.delayMillis(1, () -> 0.9999)).isBetween(399L, 400L);
        assertThat(backoff.delayMillis(3, () -> 0.0)).isEqualTo(800);
        assertThat(backoff.delayMillis(3, () -> 0.5)).isEqualTo(1200);
        assertThat(backoff.delayMillis(3, () -> 0.9999)).isBetween(1599L, 1600L);
    }

    @Test
    void neverExceedsTheMaximumEvenForHugeAttemptCounts() {
        for (int attempt : new int[] {6, 10, 40, 62, 63, 64, 1_000, Integer.MAX_VALUE}) {
            long low = backoff.delayMillis(attempt, () -> 0.0);
            long high = backoff.delayMillis(attempt, () -> 0.9999);
            assertThat(low).as("attempt %d low", attempt).isEqualTo(5_000);
            assertThat(high).as("attempt %d high", attempt).isBetween(9_999L, 10_000L);
        }
    }

    @Test
    void jitterSpreadsClientsApart() {
        java.util.Random r = new java.util.Random(42);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(backoff.delayMillis(5, r::nextDouble));
        }
        assertThat(seen).hasSizeGreaterThan(40).allSatisfy(d -> assertThat(d).isBetween(3_200L, 6_400L));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below the minimum");
        assertThatThrownBy(() -> backoff.delayMillis(-1, () -> 0.0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalMinAndMaxGivesAFixedDelay() {
        Backoff fixed = new Backoff(Duration.ofMillis(300), Duration.ofMillis(300));
        assertThat(fixed.delayMillis(0, () -> 0.7)).isEqualTo(300);
        assertThat(fixed.delayMillis(9, () -> 0.1)).isEqualTo(300);
    }
}
