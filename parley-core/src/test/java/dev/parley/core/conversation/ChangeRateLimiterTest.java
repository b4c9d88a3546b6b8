package dev.parley.core.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChangeRateLimiterTest {
    /** The ticker the test moves, in nanoseconds; deliberately negative, as System.nanoTime may be. */
    private final AtomicLong nanos = new AtomicLong(-5_000_000_000L);
    private final ChangeRateLimiter limiter = new ChangeRateLimiter(nanos::get, 3);

    @Test
    void aRenameStormIsCutAtTheLimitUntilTheMinuteIsOver() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isTrue();
        }
        assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isFalse();
        nanos.addAndGet(59_999_000_000L);
        assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isFalse();
        nanos.addAndGet(1_000_000L);
        assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isTrue();
    }

    @Test
    void everyKeyMustHaveRoomAndARefusalCountsAgainstNone() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire(List.of("c:g" + i, "u:alice"))).isTrue();
        }
        assertThat(limiter.tryAcquire(List.of("c:g9", "u:alice"))).as("alice is out of changes").isFalse();
        assertThat(limiter.tryAcquire(List.of("c:g9", "u:bob"))).as("the refusal did not count for g9").isTrue();
        assertThat(limiter.tryAcquire(List.of("c:g9", "u:bob"))).isTrue();
        assertThat(limiter.tryAcquire(List.of("c:g9", "u:bob"))).isTrue();
        assertThat(limiter.tryAcquire(List.of("c:g9", "u:carol"))).as("g9 is out of changes").isFalse();
    }
}
