package dev.parley.core.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeRateLimiterTest {
    /** A clock the test moves; the limiter reads only {@code millis()}. */
    private static final class MovableClock extends Clock {
        long millis = 1_000_000;

        @Override public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    private final MovableClock clock = new MovableClock();
    private final ChangeRateLimiter limiter = new ChangeRateLimiter(clock, 3);

    @Test
    void aRenameStormIsCutAtTheLimitUntilTheMinuteIsOver() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isTrue();
        }
        assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isFalse();
        clock.millis += 59_999;
        assertThat(limiter.tryAcquire(List.of("c:g1", "u:alice"))).isFalse();
        clock.millis += 1;
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
