package dev.parley.server;

import dev.parley.server.ws.WebSocketSessionHandler;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections that sent nothing for {@code server.idleTimeoutSeconds}: one periodic task per
 * event loop walks that loop's open connections, instead of an {@code IdleStateHandler} and a
 * scheduled task per connection (each about 250 bytes, at tens of thousands of idle connections).
 * A connection is closed between the timeout and the timeout plus one {@link #period} after its
 * last read.
 */
public final class IdleSweep implements AutoCloseable {
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    private IdleSweep() {
    }

    /** The sweep interval: a tenth of the timeout, between 100 ms and 5 s. */
    public static Duration period(Duration timeout) {
        long millis = Math.max(100, Math.min(5_000, timeout.toMillis() / 10));
        return Duration.ofMillis(millis);
    }

    /** Starts one sweep per event loop of {@code loops} over its {@code connections}. */
    public static IdleSweep start(EventLoopGroup loops, Connections connections, Duration timeout) {
        IdleSweep sweep = new IdleSweep();
        long periodMillis = period(timeout).toMillis();
        long timeoutNanos = timeout.toNanos();
        for (EventExecutor loop : loops) {
            sweep.tasks.add(loop.scheduleAtFixedRate(
                    () -> sweep(connections.openOn(loop), System.nanoTime(), timeoutNanos),
                    periodMillis, periodMillis, TimeUnit.MILLISECONDS));
        }
        return sweep;
    }

    /**
     * Closes the idle connections among {@code channels} that belong to the calling event loop.
     *
     * @return how many it closed
     */
    public static int sweep(Iterable<Channel> channels, long nowNanos, long timeoutNanos) {
        int closed = 0;
        for (Channel ch : channels) {
            if (ch.eventLoop().inEventLoop()
                    && ch.pipeline().get(ParleyChannelInitializer.SESSION_HANDLER) instanceof WebSocketSessionHandler s
                    && s.closeIfIdle(nowNanos, timeoutNanos)) {
                closed++;
            }
        }
        return closed;
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
    }
}
