package dev.parley.core.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HashingPoolTest {

    @Test
    void aFullQueueRefusesWithServerBusyAndRunsNothing() throws Exception {
        try (HashingPool pool = new HashingPool(1, 2)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            CompletableFuture<Integer> busy = pool.submit(() -> {
                running.countDown();
                await(release);
                return 1;
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Integer> queued1 = pool.submit(() -> 2);
            CompletableFuture<Integer> queued2 = pool.submit(() -> 3);
            boolean[] ran = new boolean[1];
            CompletableFuture<Integer> refused = pool.submit(() -> {
                ran[0] = true;
                return 4;
            });

            assertThat(refused).isCompletedExceptionally();
            ParleyException e = ParleyException.from(refused.handle((v, t) -> t).join());
            assertThat(e.code()).isEqualTo(ErrorCode.SERVER_BUSY);
            assertThat(e.code().retryable()).isTrue();
            assertThat(e.retryAfterMs()).isPositive();
            assertThat(pool.queued()).isEqualTo(2);

            release.countDown();
            assertThat(busy.get(10, TimeUnit.SECONDS) + queued1.get(10, TimeUnit.SECONDS)
                    + queued2.get(10, TimeUnit.SECONDS)).isEqualTo(6);
            assertThat(ran[0]).isFalse();
            assertThat(pool.submit(() -> 5).get(10, TimeUnit.SECONDS)).as("space again once drained").isEqualTo(5);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
