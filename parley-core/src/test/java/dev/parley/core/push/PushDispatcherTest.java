package dev.parley.core.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher on a {@link ManualScheduler}: its timers and its ticker are one time the test
 * advances, so intervals and backoffs are checked to the instant and nothing sleeps.
 */
class PushDispatcherTest {
    private final ManualScheduler timers = new ManualScheduler();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Queue<PushTarget> dead = new ConcurrentLinkedQueue<>();
    private final PushTarget alice = new PushTarget("alice", "phone", "fake", "token-1");

    /** A sender that records what it was asked and answers with {@code answer}. */
    private static final class RecordingSender implements PushSender {
        final Queue<PushNotification> sent = new ConcurrentLinkedQueue<>();
        final Function<Integer, CompletionStage<PushResult>> answer;

        RecordingSender(Function<Integer, CompletionStage<PushResult>> answer) {
            this.answer = answer;
        }

        @Override public String provider() {
            return "fake";
        }

        @Override public String validateTarget(String target) {
            return target;
        }

        @Override public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
            sent.add(n);
            return answer.apply(sent.size());
        }
    }

    private PushDispatcher dispatcher(PushSender sender, PushSettings settings) {
        return new PushDispatcher(Map.of(sender.provider(), sender), settings, timers, timers.nanos::get, dead::add,
                meters);
    }

    private static PushNotification one() {
        return new PushNotification("parley-sync", 1, null);
    }

    private double count(String outcome) {
        var c = meters.find("parley.push.sends").tag("provider", "fake").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void fiveHundredMessagesToAnOfflineDeviceBecomeTwoPushes() {
        RecordingSender sender = new RecordingSender(i -> CompletableFuture.completedFuture(PushResult.delivered()));
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withMinInterval(Duration.ofMillis(300)));
        for (int i = 0; i < 500; i++) {
            d.offer(alice, one());
        }
        timers.runDue();
        assertThat(sender.sent).hasSize(1);

        timers.advance(Duration.ofMillis(299));
        assertThat(sender.sent).as("not before the minimum interval").hasSize(1);
        timers.advance(Duration.ofMillis(1));
        assertThat(sender.sent).hasSize(2);
        assertThat(d.waitingCount()).isZero();
        List<PushNotification> pushes = List.copyOf(sender.sent);
        assertThat(pushes.get(0).coalesced()).isEqualTo(1);
        assertThat(pushes.get(1).coalesced()).isEqualTo(499);
        assertThat(meters.counter("parley.push.coalesced").count()).isEqualTo(498);
        assertThat(pushes).allMatch(p -> p.collapseId().equals("parley-sync"));
    }

    @Test
    void retryableAnswersAreTriedAgainWithBackoffUntilDelivered() {
        RecordingSender sender = new RecordingSender(i -> CompletableFuture.completedFuture(i <= 2
                ? new PushResult.Retry(null, "UNAVAILABLE") : PushResult.delivered()));
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withMinInterval(Duration.ZERO)
                .withRetry(5, Duration.ofMillis(20), Duration.ofMillis(100)));
        d.offer(alice, one());
        timers.runDue();
        // backoff 20 ms, then 40 ms
        timers.advance(Duration.ofMillis(19));
        assertThat(sender.sent).hasSize(1);
        timers.advance(Duration.ofMillis(1));
        assertThat(sender.sent).hasSize(2);
        timers.advance(Duration.ofMillis(39));
        assertThat(sender.sent).hasSize(2);
        timers.advance(Duration.ofMillis(1));
        assertThat(sender.sent).hasSize(3);
        assertThat(count("delivered")).isEqualTo(1);
        assertThat(count("retry")).isEqualTo(2);
    }

    @Test
    void aProviderHintLongerThanTheBackoffIsHonoured() {
        RecordingSender sender = new RecordingSender(i -> CompletableFuture.completedFuture(i == 1
                ? new PushResult.Retry(Duration.ofMillis(400), "QUOTA_EXCEEDED") : PushResult.delivered()));
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withMinInterval(Duration.ZERO)
                .withRetry(5, Duration.ofMillis(10), Duration.ofSeconds(10)));
        d.offer(alice, one());
        timers.runDue();
        timers.advance(Duration.ofMillis(399));
        assertThat(count("delivered")).isZero();
        timers.advance(Duration.ofMillis(1));
        assertThat(count("delivered")).isEqualTo(1);
    }

    @Test
    void anOutageThatOutlastsTheTriesDropsThePushAndCountsIt() {
        RecordingSender sender = new RecordingSender(i -> CompletableFuture.failedFuture(
                new java.net.ConnectException("connection refused")));
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withMinInterval(Duration.ZERO)
                .withRetry(3, Duration.ofMillis(5), Duration.ofMillis(20)));
        d.offer(alice, one());
        timers.runDue();
        timers.advance(Duration.ofSeconds(1));
        assertThat(meters.counter("parley.push.dropped", "reason", "retries_exhausted").count()).isEqualTo(1);
        assertThat(sender.sent).hasSize(3);
        assertThat(d.waitingCount()).isZero();
    }

    @Test
    void aDeadTargetIsReportedOnceAndNotRetried() {
        RecordingSender sender = new RecordingSender(i -> CompletableFuture.completedFuture(
                new PushResult.DeadTarget("Unregistered")));
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withMinInterval(Duration.ZERO));
        d.offer(alice, one());
        timers.runDue();
        assertThat(dead).containsExactly(alice);
        // messages that read the device before the store dropped the target push nothing to it
        d.offer(alice, one());
        d.offer(new PushTarget("alice", "phone", "fake", "token-2"), one());
        timers.advance(Duration.ofSeconds(1));
        assertThat(sender.sent).hasSize(2);
        assertThat(dead).hasSize(2); // token-2 was sent (and is dead too); token-1 was not sent again
        assertThat(count("dead_target")).isEqualTo(2);
    }

    @Test
    void aHungProviderNeverBlocksTheCallerAndAFullQueueDropsAndCounts() {
        CompletableFuture<PushResult> never = new CompletableFuture<>();
        RecordingSender sender = new RecordingSender(i -> never);
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withCapacity(2, 1));
        for (String device : List.of("a", "b", "c", "d", "e")) {
            d.offer(new PushTarget("u", device, "fake", "t-" + device), one());
        }
        assertThat(sender.sent).as("nothing is sent on the caller's thread").isEmpty();
        timers.runDue();
        assertThat(sender.sent).hasSize(1);
        assertThat(d.inFlightCount()).isEqualTo(1); // the bound on concurrency
        assertThat(d.waitingCount()).isEqualTo(2);
        assertThat(meters.counter("parley.push.dropped", "reason", "queue_full").count()).isEqualTo(2);
    }

    /** Issue 12, item 5: 100 devices x 50 messages gave 5,000 POSTs and 5,000 open sockets. */
    @Test
    void aHundredDevicesTimesFiftyMessagesGiveOnePushPerDeviceWithBoundedConcurrency() {
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger mostOpen = new java.util.concurrent.atomic.AtomicInteger();
        RecordingSender sender = new RecordingSender(i -> {
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            CompletableFuture<PushResult> later = new CompletableFuture<>();
            timers.schedule(() -> {
                open.decrementAndGet();
                later.complete(PushResult.delivered());
            }, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
            return later;
        });
        PushDispatcher d = dispatcher(sender, PushSettings.defaults().withCapacity(1_000, 8));
        for (int m = 0; m < 50; m++) {
            for (int device = 0; device < 100; device++) {
                d.offer(new PushTarget("u" + device, "phone", "fake", "t" + device), one());
            }
        }
        timers.advance(Duration.ofSeconds(1)); // far less than the 30 s minimum interval
        assertThat(sender.sent).hasSize(100);
        assertThat(d.inFlightCount()).isZero();
        assertThat(mostOpen.get()).isEqualTo(8);
        // the first 8 devices were sent their first message at once: their other 49 wait, coalesced
        // into one push, for the next interval; the other 92 waited for a slot with all 50 coalesced
        assertThat(d.waitingCount()).isEqualTo(8);
        assertThat(meters.counter("parley.push.coalesced").count() + sender.sent.size() + d.waitingCount())
                .isEqualTo(5_000);
    }
}
