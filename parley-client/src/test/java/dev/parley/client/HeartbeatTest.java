package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private final ManualClock clock = new ManualClock();
    private final PendingRequests requests = new PendingRequests(clock, new Callbacks(Runnable::run), 10_000);
    private final List<String> lost = new ArrayList<>();
    private Connection current;
    private final Connection.Events session = new Connection.Events() {
        @Override
        public void opened(Connection c) {
        }

        @Override
        public void received(Connection c, String text) {
        }

        @Override
        public void lost(Connection c, String reason, Throwable cause) {
            lost.add(reason);
            current = null;
        }

        @Override
        public boolean isCurrent(Connection c) {
            return c == current;
        }
    };
    /** Pings every 300 ms, each unanswered for at most 200 ms. */
    private final Heartbeat heartbeat = new Heartbeat("test", clock, clock, requests, new FrameCodec(), session,
            () -> current != null, 300, 200);

    private Connection connect() {
        current = new Connection(session, Runnable::run, () -> 0, clock.getAsLong());
        return current;
    }

    @Test
    void aPingWithNothingReceivedWithinTheTimeoutDropsTheConnection() {
        heartbeat.start(connect(), 0);
        clock.advanceMillis(300 + 199);
        assertThat(lost).isEmpty();
        clock.advanceMillis(1);
        assertThat(lost).containsExactly("heartbeat timeout");
    }

    @Test
    void anyFrameAfterThePingKeepsTheConnection() {
        Connection c = connect();
        heartbeat.start(c, 0);
        clock.advanceMillis(300 + 100);       // the ping went out at 300
        c.lastFrameNanos = clock.getAsLong(); // a backlog frame arrives, not the pong
        clock.advanceMillis(100);             // the ping's time is up at 500
        assertThat(lost).isEmpty();

        clock.advanceMillis(300);             // the next ping at 600 meets silence until 800
        assertThat(lost).containsExactly("heartbeat timeout");
    }

    @Test
    void aPongInTimeKeepsTheConnection() {
        heartbeat.start(connect(), 0);
        for (int ping = 1; ping <= 5; ping++) {
            clock.advanceMillis(300);
            // nothing else draws request ids here: the ping took the one before this
            String pingId = Long.toString(Long.parseLong(requests.nextId(), 36) - 1, 36);
            assertThat(requests.complete(pingId, new ServerFrame.Pong(pingId, 0))).isTrue();
        }
        clock.advanceMillis(199);
        assertThat(lost).isEmpty();
    }

    @Test
    void theServersWishForMoreFrequentPingsIsHonouredButNotBelowASecond() {
        Heartbeat slow = new Heartbeat("test", clock, clock, requests, new FrameCodec(), session,
                () -> current != null, 20_000, 10_000);
        slow.start(connect(), 4);
        clock.advanceMillis(1_999);
        assertThat(requests.size()).isZero();
        clock.advanceMillis(1);
        assertThat(requests.size()).as("a ping is out after half the server's 4 s").isEqualTo(1);
        slow.stop();

        Heartbeat eager = new Heartbeat("test", clock, clock, requests, new FrameCodec(), session,
                () -> current != null, 20_000, 10_000);
        requests.failAll(ParleyClientException.local(ParleyClientException.NOT_CONNECTED, "reset", true));
        eager.start(connect(), 1);
        clock.advanceMillis(999);
        assertThat(requests.size()).isZero();
        clock.advanceMillis(1);
        assertThat(requests.size()).isEqualTo(1);
    }

    @Test
    void noPingsOnceStoppedOrOnAnOldConnection() {
        Connection old = connect();
        heartbeat.start(old, 0);
        connect();
        clock.advanceMillis(10_000);
        assertThat(requests.size()).isZero();
        assertThat(lost).isEmpty();
        heartbeat.stop();
        assertThat(clock.pendingTasks()).isZero();
    }
}
