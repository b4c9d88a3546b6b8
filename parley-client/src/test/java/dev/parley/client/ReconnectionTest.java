package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconnectionTest {
    private final ManualClock clock = new ManualClock();
    private final PendingRequests requests = new PendingRequests(clock, new Callbacks(Runnable::run), 10_000);
    private final List<ServerFrame.PresenceEvent> presence = new ArrayList<>();
    private final ListenerDispatch dispatch = new ListenerDispatch("test", new ParleyListener() {
        @Override
        public void onPresence(ServerFrame.PresenceEvent p) {
            presence.add(p);
        }
    }, CursorStore.inMemory(), c -> { }, () -> { }, Executors.defaultThreadFactory());
    private double random = 0.0;
    private final Reconnection reconnection = new Reconnection("test",
            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10)), clock, () -> random, requests, dispatch);
    private final List<ClientFrame> frames = new ArrayList<>();
    private int attempts;

    @AfterEach
    void stop() {
        dispatch.shutdown(Duration.ofSeconds(5));
    }

    /** Fails connection attempts in a row and returns when each next one began, in ms from the first loss. */
    private List<Long> failRepeatedly(int times) {
        List<Long> at = new ArrayList<>();
        long start = clock.getAsLong();
        for (int i = 0; i < times; i++) {
            int before = attempts;
            reconnection.schedule(reconnection.nextDelayMillis(), () -> {
                reconnection.attempting();
                attempts++;
            });
            while (attempts == before) {
                clock.advanceMillis(1);
            }
            at.add((clock.getAsLong() - start) / 1_000_000);
        }
        return at;
    }

    @Test
    void failedAttemptsBackOffAndASyncedConnectionStartsOver() {
        random = 0.9999;
        assertThat(failRepeatedly(4)).containsExactly(200L, 599L, 1398L, 2997L);
        assertThat(reconnection.attempt()).isEqualTo(4);

        reconnection.synced();
        assertThat(reconnection.attempt()).isZero();
        assertThat(reconnection.nextDelayMillis()).isEqualTo(200);
    }

    @Test
    void aNewScheduleReplacesThePendingAttemptAndStopCancelsIt() {
        List<String> ran = new ArrayList<>();
        reconnection.schedule(1_000, () -> ran.add("first"));
        reconnection.schedule(50, () -> ran.add("second"));
        clock.advanceMillis(2_000);
        assertThat(ran).containsExactly("second");

        reconnection.schedule(50, () -> ran.add("third"));
        reconnection.stop();
        clock.advanceMillis(2_000);
        assertThat(ran).containsExactly("second");
    }

    @Test
    void theServersHintIsHonouredWithUpToOneMinimumBackoffOfJitter() {
        random = 0.0;
        assertThat(reconnection.serverAskedDelayMillis(5_000)).isEqualTo(5_000);
        random = 0.5;
        assertThat(reconnection.serverAskedDelayMillis(5_000)).isEqualTo(5_100);
        assertThat(reconnection.serverAskedDelayMillis(-1)).isEqualTo(100);
        assertThat(reconnection.attempt()).as("a requested reconnect is no failure").isZero();
    }

    @Test
    void aNewConnectionSyncsAfterTheHighestCursorOrLetsTheServerChoose() {
        List<Object> outcome = new ArrayList<>();
        reconnection.resync(0, frames::add, (s, err) -> outcome.add(s != null ? s : err));
        reconnection.resync(42, frames::add, (s, err) -> outcome.add(s != null ? s : err));

        assertThat(frames).extracting(f -> ((ClientFrame.Sync) f).after()).containsExactly(null, 42L);
        clock.advanceMillis(3_600_000);
        assertThat(outcome).as("a long backlog may stream before synced").isEmpty();
        ServerFrame.Synced synced = new ServerFrame.Synced(frames.get(1).id(), 42, 50);
        requests.complete(frames.get(1).id(), synced);
        assertThat(outcome).containsExactly(synced);
    }

    @Test
    void presenceSubscriptionsAreRenewedOnEachConnection() throws Exception {
        reconnection.resubscribe(frames::add);
        assertThat(frames).as("nothing to renew").isEmpty();

        reconnection.subscribedPresence(List.of("bob", "carol"));
        reconnection.subscribedPresence(List.of("carol", "dave"));
        reconnection.resubscribe(frames::add);

        ClientFrame.SubscribePresence renewal = (ClientFrame.SubscribePresence) frames.get(0);
        assertThat(renewal.users()).containsExactly("bob", "carol", "dave");
        requests.complete(renewal.id(), new ServerFrame.PresenceList(renewal.id(),
                List.of(new ServerFrame.PresenceView("bob", true, null))));
        dispatch.drain(Duration.ofSeconds(5));
        assertThat(presence).containsExactly(new ServerFrame.PresenceEvent("bob", true, null));
    }
}
