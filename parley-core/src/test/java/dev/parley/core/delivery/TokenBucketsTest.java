package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final TokenBuckets limits = new TokenBuckets(10, 5, now::get);

    @Test
    void theSessionsOfOneUserShareOneBudget() {
        TokenBuckets.Bucket phone = limits.of("alice");
        TokenBuckets.Bucket laptop = limits.of("alice");
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += (i % 2 == 0 ? phone : laptop).tryAcquire() == 0 ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(5);
        assertThat(phone.tryAcquire()).as("nanoseconds until the next send").isEqualTo(100_000_000L);
        assertThat(limits.of("bob").tryAcquire()).as("another user has its own budget").isZero();

        now.addAndGet(100_000_000L);
        assertThat(laptop.tryAcquire()).isZero();
        assertThat(phone.tryAcquire()).isPositive();
    }

    @Test
    void aBucketOutlivesItsSessionsUntilItHasRefilled() {
        limits.of("alice").tryAcquire();
        limits.of("bob");
        limits.forgetIdle(user -> false);
        assertThat(limits.size()).as("alice's budget is not full: reconnecting must not reset it").isEqualTo(1);

        now.addAndGet(1_000_000_000L);
        limits.forgetIdle(Set.of("carol")::contains);
        assertThat(limits.size()).isZero();
    }
}
