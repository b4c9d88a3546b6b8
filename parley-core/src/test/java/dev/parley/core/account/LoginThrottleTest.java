package dev.parley.core.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The login throttle with an injected clock: no test sleeps. */
class LoginThrottleTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(LoginThrottle.class);

    @BeforeEach
    void captureLog() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(logged);
    }

    private LoginThrottle throttle(int perMinute, int burst, int failures, Duration maxBackoff, int maxEntries) {
        return new LoginThrottle(new LoginThrottle.Settings(perMinute, burst, failures, maxBackoff, maxEntries), now::get);
    }

    private static ParleyException refused(Runnable attempt) {
        ParleyException e = catchThrowableOfType(ParleyException.class, attempt::run);
        assertThat(e).as("the attempt is refused").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        return e;
    }

    private List<ILoggingEvent> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }

    @Test
    void anAddressOverItsBurstIsRefusedWithARetryHintUntilItsBucketRefills() {
        LoginThrottle t = throttle(60, 3, 5, Duration.ofMinutes(15), 1000);
        for (int i = 0; i < 3; i++) {
            t.checkAddress("10.0.0.1");
        }
        ParleyException e = refused(() -> t.checkAddress("10.0.0.1"));
        assertThat(e.retryAfterMs()).isCloseTo(1000, org.assertj.core.data.Offset.offset(1L)); // 60 a minute: one a second
        assertThatCode(() -> t.checkAddress("10.0.0.2")).as("another address has its own budget").doesNotThrowAnyException();

        now.addAndGet(SECOND + 1_000_000);
        assertThatCode(() -> t.checkAddress("10.0.0.1")).doesNotThrowAnyException();
        refused(() -> t.checkAddress("10.0.0.1"));
    }

    @Test
    void anAccountBacksOffExponentiallyAfterTheAllowedFailuresUpToTheCap() {
        LoginThrottle t = throttle(1000, 1000, 3, Duration.ofSeconds(8), 1000);
        for (int i = 0; i < 2; i++) {
            t.checkAccount("alice");
            t.loginFailed("alice");
        }
        t.checkAccount("alice");
        t.loginFailed("alice"); // the third failure: 1 s
        assertThat(refused(() -> t.checkAccount("alice")).retryAfterMs()).isEqualTo(1000);
        assertThatCode(() -> t.checkAccount("bob")).doesNotThrowAnyException();

        long[] expected = {2000, 4000, 8000, 8000, 8000};
        long previous = 1000;
        for (long ms : expected) {
            now.addAndGet(Duration.ofMillis(previous).toNanos()); // wait out the back-off, then fail again
            t.checkAccount("alice");
            t.loginFailed("alice");
            assertThat(refused(() -> t.checkAccount("alice")).retryAfterMs()).isEqualTo(ms);
            previous = ms;
        }
        // Never permanent: after the longest back-off the account may try again.
        now.addAndGet(Duration.ofSeconds(8).toNanos());
        assertThatCode(() -> t.checkAccount("alice")).doesNotThrowAnyException();
    }

    @Test
    void aSuccessfulLoginForgetsTheFailures() {
        LoginThrottle t = throttle(1000, 1000, 2, Duration.ofMinutes(15), 1000);
        t.loginFailed("alice");
        t.loginSucceeded("alice");
        t.loginFailed("alice");
        assertThatCode(() -> t.checkAccount("alice")).as("one failure since the success").doesNotThrowAnyException();
        t.loginFailed("alice");
        refused(() -> t.checkAccount("alice"));
    }

    @Test
    void aFloodOfDistinctAddressesAndNamesStaysWithinTheBound() {
        int max = 1000;
        LoginThrottle t = throttle(1, 1, 1, Duration.ofMinutes(15), max);
        for (int i = 0; i < 20 * max; i++) {
            t.checkAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
            t.loginFailed("user" + i);
            assertThat(t.size()).isLessThanOrEqualTo(max);
        }
        assertThat(t.size()).isEqualTo(max);
    }

    @Test
    void entriesThatNoLongerLimitAnythingAreDropped() {
        LoginThrottle t = throttle(60, 2, 5, Duration.ofSeconds(10), 1000);
        for (int i = 0; i < 100; i++) {
            t.checkAddress("192.0.2." + i);
            t.loginFailed("user" + i);
        }
        assertThat(t.size()).isEqualTo(200);
        now.addAndGet(Duration.ofMinutes(1).toNanos()); // every bucket is full again, every failure forgotten
        for (int i = 0; i < 200; i++) {
            t.checkAccount("someone");
        }
        assertThat(t.size()).isZero();
    }

    @Test
    void oneWarnLinePerThrottledAddressOrAccountAndNoMoreThanTheLogLimit() {
        LoginThrottle t = throttle(60, 1, 1, Duration.ofMinutes(15), 1000);
        t.checkAddress("10.0.0.1");
        for (int i = 0; i < 50; i++) {
            refused(() -> t.checkAddress("10.0.0.1"));
        }
        t.loginFailed("alice");
        for (int i = 0; i < 50; i++) {
            refused(() -> t.checkAccount("alice"));
        }
        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(0).getFormattedMessage()).contains("10.0.0.1");
        assertThat(warnings().get(1).getFormattedMessage()).contains("alice").doesNotContain("password");

        // A flood of throttled accounts: the log limit holds the lines to a few a minute.
        for (int i = 0; i < 100; i++) {
            String user = "victim" + i;
            t.loginFailed(user);
            refused(() -> t.checkAccount(user));
        }
        assertThat(warnings()).hasSize(LoginThrottle.WARN_LINES_PER_MINUTE);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        t.loginFailed("late");
        refused(() -> t.checkAccount("late"));
        assertThat(warnings().get(warnings().size() - 1).getFormattedMessage())
                .contains("late").contains("more throttling notices were not logged");
    }

    @Test
    void ipv6AddressesAreThrottledByTheirSlash64() throws Exception {
        String a = LoginThrottle.addressKey(new InetSocketAddress(InetAddress.getByName("2001:db8:1:2:aaaa::1"), 4000));
        String b = LoginThrottle.addressKey(new InetSocketAddress(InetAddress.getByName("2001:db8:1:2:bbbb::9"), 4001));
        String other = LoginThrottle.addressKey(new InetSocketAddress(InetAddress.getByName("2001:db8:1:3::1"), 4000));
        assertThat(a).isEqualTo(b).isNotEqualTo(other);
        assertThat(LoginThrottle.addressKey(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1)))
                .isEqualTo("127.0.0.1");
        assertThat(LoginThrottle.addressKey(null)).isNull();
    }
}
