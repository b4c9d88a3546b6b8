package dev.parley.core.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import dev.parley.testkit.store.memory.InMemoryAccountStore;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Registration and login under the abuse limits: throttling, the password policy, the device cap,
 * a full hashing queue. On the testkit's in-memory account store, which is why it lives here and
 * not in parley-core (parley-testkit depends on parley-core).
 */
class AccountServiceLimitsTest {
    private static final String PASSWORD = "correct horse battery staple";

    private final AtomicLong ticks = new AtomicLong();
    private final InMemoryAccountStore store = new InMemoryAccountStore();
    private final HashingPool pool = new HashingPool(1, 16);
    private final MutableClock clock = new MutableClock();
    private final List<String> revoked = new ArrayList<>();

    @AfterEach
    void closePool() {
        pool.close();
    }

    private AccountService service(int perMinute, int burst, int failures, int maxDevices) {
        AccountService s = new AccountService(store, new PasswordHasher(8, 1), pool,
                new LoginThrottle(new LoginThrottle.Settings(perMinute, burst, failures, Duration.ofMinutes(15), 1000),
                        ticks::get), maxDevices, clock);
        s.onRevoked((user, device) -> revoked.add(device));
        return s;
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static ParleyException failure(java.util.concurrent.CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return ParleyException.from(e);
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void loginAttemptsBeyondTheAddressLimitAreRateLimited() throws Exception {
        AccountService accounts = service(60, 3, 100, 16);
        join(accounts.register("alice", PASSWORD, "10.0.0.1"));
        join(accounts.login("alice", PASSWORD, "a", false, "10.0.0.1"));
        assertThat(code(accounts.login("alice", "wrong password!", "a", false, "10.0.0.1").toCompletableFuture()))
                .isEqualTo(ErrorCode.BAD_CREDENTIALS);
        ParleyException limited = failure(accounts.login("alice", PASSWORD, "a", false, "10.0.0.1"));
        assertThat(limited.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.retryAfterMs()).isPositive();
        assertThat(code(accounts.register("bob", PASSWORD, "10.0.0.1").toCompletableFuture()))
                .as("registrations share the address's budget").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(join(accounts.login("alice", PASSWORD, "a", false, "10.0.0.2")).token())
                .as("another address may log in").isNotBlank();
    }

    @Test
    void anAccountUnderAttackBacksOffWithoutHashingAndRecoversAfterTheWait() throws Exception {
        AccountService accounts = service(1_000_000, 1_000_000, 5, 16);
        join(accounts.register("alice", PASSWORD, null));
        for (int i = 0; i < 5; i++) {
            assertThat(code(accounts.login("alice", "guess number " + i, "x", false, "10.0.0." + i).toCompletableFuture()))
                    .isEqualTo(ErrorCode.BAD_CREDENTIALS);
        }
        // Even the right password waits: the throttle answers before any hash is computed.
        ParleyException e = failure(accounts.login("alice", PASSWORD, "x", false, "10.0.0.9"));
        assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(e.retryAfterMs()).isEqualTo(1000);
        assertThat(code(accounts.login("ghost", "guess number 1", "x", false, null).toCompletableFuture()))
                .as("other accounts are unaffected").isEqualTo(ErrorCode.BAD_CREDENTIALS);

        ticks.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(join(accounts.login("alice", PASSWORD, "x", false, null)).token()).isNotBlank();
    }

    @Test
    void weakPasswordsAreRefusedAtRegistration() {
        AccountService accounts = service(1000, 1000, 5, 16);
        assertThat(code(accounts.register("alice", "12345678", null).toCompletableFuture())).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(code(accounts.register("alice", "        ", null).toCompletableFuture())).isEqualTo(ErrorCode.INVALID_PASSWORD);
        assertThat(code(accounts.register("alice", "alice123", null).toCompletableFuture())).isNull();
        assertThat(code(accounts.register("bobby", "bobby", null).toCompletableFuture())).isEqualTo(ErrorCode.INVALID_PASSWORD);
        assertThat(code(accounts.register("robert", "Robert", null).toCompletableFuture())).isEqualTo(ErrorCode.INVALID_PASSWORD);
        assertThat(code(accounts.register("margaret", "MARGARET", null).toCompletableFuture())).isEqualTo(ErrorCode.WEAK_PASSWORD);
    }

    @Test
    void aLoginBeyondTheDeviceCapIsRefusedUnlessItReplacesTheOldest() throws Exception {
        AccountService accounts = service(1000, 1000, 5, 3);
        join(accounts.register("alice", PASSWORD, null));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            ids.add(join(accounts.login("alice", PASSWORD, "d" + i, false, null)).device().deviceId());
        }
        ParleyException full = failure(accounts.login("alice", PASSWORD, "d3", false, null));
        assertThat(full.code()).isEqualTo(ErrorCode.DEVICE_LIMIT_REACHED);
        assertThat(full.getMessage()).contains("3 devices").contains("DELETE /v1/devices").contains("replaceOldest");
        assertThat(join(accounts.devices("alice"))).hasSize(3);

        // Logging a device out frees its slot.
        join(accounts.revoke("alice", ids.get(1)));
        clock.advance(Duration.ofMinutes(1));
        String d3 = join(accounts.login("alice", PASSWORD, "d3", false, null)).device().deviceId();

        // A user who lost every token logs in all the same, in place of the oldest device.
        AccountService.Login replaced = join(accounts.login("alice", PASSWORD, "d4", true, null));
        assertThat(revoked).containsExactly(ids.get(1), ids.get(0));
        assertThat(join(accounts.devices("alice"))).extracting(Device::deviceId)
                .containsExactlyInAnyOrder(ids.get(2), d3, replaced.device().deviceId());
    }

    @Test
    void registrationsAndLoginsAreRefusedWhileTheHashingQueueIsFull() throws Exception {
        try (HashingPool pool = new HashingPool(1, 1)) {
            InMemoryAccountStore store = new InMemoryAccountStore();
            AccountService accounts = new AccountService(store, new PasswordHasher(8, 1), pool,
                    new LoginThrottle(LoginThrottle.Settings.defaults(), System::nanoTime), 16, Clock.systemUTC());
            accounts.register("alice", "alice-long-password", null).toCompletableFuture().get(10, TimeUnit.SECONDS);

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            pool.submit(() -> {
                running.countDown();
                awaitQuietly(release);
                return null;
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            pool.submit(() -> null); // the queue's one place

            assertThat(code(accounts.register("bob", "bob-long-password", null).toCompletableFuture()))
                    .isEqualTo(ErrorCode.SERVER_BUSY);
            assertThat(code(accounts.login("alice", "alice-long-password", "phone", false, null).toCompletableFuture()))
                    .isEqualTo(ErrorCode.SERVER_BUSY);
            assertThat(store.findUser("bob").toCompletableFuture().join()).isEmpty();

            release.countDown();
            // Once the thread has taken the queued work, there is room again.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.queued() == 0);
            assertThat(accounts.login("alice", "alice-long-password", "phone", false, null).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).token()).isNotBlank();
        }
    }

    private static ErrorCode code(CompletableFuture<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            return ParleyException.from(e).code();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A clock the test moves. */
    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
