package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.FrameCodec;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a connection with pings. Alive means: some frame (the pong, or anything queued before
 * it, such as a long backlog) arrived after the ping went out, by the {@code ticker}. A ping
 * without that within the timeout drops the connection, except while the client stopped reading
 * because its listener is behind: that silence is its own doing and does not count.
 *
 * <p>Not thread-safe: loop thread only.
 */
final class Heartbeat {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final String name;
    private final Scheduler scheduler;
    private final LongSupplier ticker;
    private final PendingRequests requests;
    private final FrameCodec codec;
    private final Connection.Events session;
    private final BooleanSupplier connectionUp;
    private final long intervalMillis;
    private final long timeoutMillis;
    private Scheduler.Task task;

    /**
     * @param intervalMillis how often to ping, unless the server asks for more often
     * @param timeoutMillis how long a ping may go unanswered (capped at the interval)
     */
    Heartbeat(String name, Scheduler scheduler, LongSupplier ticker, PendingRequests requests, FrameCodec codec,
              Connection.Events session, BooleanSupplier connectionUp, long intervalMillis, long timeoutMillis) {
        this.name = name;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.requests = requests;
        this.codec = codec;
        this.session = session;
        this.connectionUp = connectionUp;
        this.intervalMillis = intervalMillis;
        this.timeoutMillis = Math.min(timeoutMillis, intervalMillis);
    }

    /**
     * Starts pinging {@code c}: every interval, or every half of the server's heartbeat (at
     * least a second) when its welcome asks for more often ({@code serverSeconds} 0: no wish).
     */
    void start(Connection c, int serverSeconds) {
        long interval = intervalMillis;
        if (serverSeconds > 0) {
            interval = Math.min(interval, Math.max(1000, serverSeconds * 1000L / 2));
        }
        task = scheduler.repeat(() -> ping(c), interval);
    }

    void stop() {
        Scheduler.cancel(task);
        task = null;
    }

    private void ping(Connection c) {
        if (!session.isCurrent(c) || !connectionUp.getAsBoolean()) {
            return;
        }
        String id = requests.nextId();
        long sentAt = ticker.getAsLong();
        requests.awaitPong(id, timeoutMillis, () -> {
            if (session.isCurrent(c) && c.lastFrameNanos - sentAt < 0 && !c.isPaused()) {
                log.info("{}: nothing received within {} ms of a ping, reconnecting", name, timeoutMillis);
                c.abort();
                session.lost(c, "heartbeat timeout", null);
            }
        });
        c.send(codec.encode(new ClientFrame.Ping(id)));
    }
}
