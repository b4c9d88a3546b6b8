package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AckTrackerTest {
    private final ManualClock clock = new ManualClock();
    private final List<Long> acks = new ArrayList<>();
    private boolean up;
    private final AckTracker tracker = new AckTracker(clock, () -> up, acks::add);

    /** A connection that synced after {@code after} and then delivered up to {@code delivered}. */
    private void connect(long after, long delivered) {
        up = true;
        tracker.connected();
        tracker.syncing(after);
        tracker.synced(after);
        tracker.delivered(delivered);
    }

    @Test
    void savedCursorsAreAcknowledgedTogetherAfterTheDelay() {
        connect(0, 1_000);
        for (long c = 1; c <= 30; c++) {
            tracker.processed(c);
        }
        clock.advanceMillis(AckTracker.DELAY_MS - 1);
        assertThat(acks).isEmpty();
        clock.advanceMillis(1);
        assertThat(acks).containsExactly(30L);
    }

    @Test
    void aFullBatchIsAcknowledgedAtOnce() {
        connect(0, 1_000);
        for (long c = 1; c <= AckTracker.BATCH; c++) {
            tracker.processed(c);
        }
        assertThat(acks).containsExactly((long) AckTracker.BATCH);
        clock.advanceMillis(AckTracker.DELAY_MS);
        assertThat(acks).as("the scheduled flush finds nothing new").containsExactly((long) AckTracker.BATCH);
    }

    @Test
    void neverAboveWhatTheConnectionDelivered() {
        connect(0, 5);
        tracker.processed(8);
        clock.advanceMillis(AckTracker.DELAY_MS);
        assertThat(acks).containsExactly(5L);

        tracker.delivered(8);
        tracker.processed(9);
        clock.advanceMillis(AckTracker.DELAY_MS);
        assertThat(acks).containsExactly(5L, 8L);
    }

    @Test
    void theLoadedCursorIsAcknowledgedOnlyOnceTheSyncIsRead() {
        tracker.start(7);
        up = true;
        tracker.connected();
        tracker.syncing(7);
        clock.advanceMillis(1_000);
        assertThat(acks).isEmpty();

        tracker.synced(7);
        assertThat(acks).containsExactly(7L);
    }

    @Test
    void whatWasSavedWhileDisconnectedIsAcknowledgedAfterTheNextSync() {
        connect(0, 100);
        tracker.processed(3);
        up = false;
        tracker.connectionLost();
        tracker.processed(4);
        clock.advanceMillis(1_000);
        assertThat(acks).isEmpty();

        connect(4, 4);
        assertThat(acks).containsExactly(4L);
    }

    @Test
    void closingAcknowledgesWithoutWaitingForTheDelay() {
        connect(0, 10);
        tracker.processed(2);
        tracker.flushIfBehind();
        assertThat(acks).containsExactly(2L);
        tracker.flushIfBehind();
        assertThat(acks).containsExactly(2L);
    }

    @Test
    void oldCursorsAreIgnored() {
        connect(0, 10);
        tracker.processed(5);
        tracker.processed(3);
        clock.advanceMillis(AckTracker.DELAY_MS);
        assertThat(acks).containsExactly(5L);
    }
}
