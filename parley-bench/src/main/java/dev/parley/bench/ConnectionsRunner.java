package dev.parley.bench;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code connections} scenario's worker: opens its share of authenticated connections as fast
 * as the server accepts them (a bounded number in flight), keeps them idle for the duration with
 * a {@code ping} per connection every heartbeat interval (spread evenly, from the moment each one
 * is open), then closes them. A
 * connection that closes or fails while holding fails the run.
 */
final class ConnectionsRunner extends Runner {
    private final List<Conn> conns = new ArrayList<>();
    private final List<ScheduledFuture<?>> heartbeats = new ArrayList<>();

    ConnectionsRunner(WorkerSpec spec, Consumer<WorkerEvent> sink) {
        super(spec, sink);
    }

    @Override
    protected Verification scenario() throws Exception {
        for (List<Cred> unit : spec.units()) {
            for (Cred c : unit) {
                conns.add(new Conn(c, this));
            }
        }
        phase("connecting");
        connectAll(conns, 120);
        phase("holding");
        long holdStart = Micros.now();
        sleepUntil(holdStart + params.durationSec() * 1_000_000L);
        fix("holdMicros", Micros.now() - holdStart);
        phase("closing");
        synchronized (heartbeats) {
            heartbeats.forEach(f -> f.cancel(false));
        }
        Verification checks = connectionChecks(conns);
        closeAll(conns);
        return checks.plus(new Verification(0, 0, 0, 0, 0, 0, 0, 0, counter(LOST)));
    }

    /**
     * Every connection pings from the moment it is open, as a real client does: with thousands of
     * connections the connecting phase can outlast the server's idle timeout, and connections
     * that waited silently for the others would be closed by the server, rightly.
     */
    @Override
    protected void opened(Conn c) {
        int hb = params.heartbeatSec();
        if (hb <= 0) {
            // The protocol asks clients to ping at a third of the server's heartbeatSeconds.
            hb = c.heartbeatSeconds <= 0 ? 20 : Math.max(1, c.heartbeatSeconds / 3);
        }
        fix("heartbeatSec", hb);
        long periodMicros = hb * 1_000_000L;
        long first = ThreadLocalRandom.current().nextLong(periodMicros);
        ScheduledFuture<?> f = c.channel().eventLoop().scheduleAtFixedRate(() -> {
            if (c.state() == Conn.State.OPEN) {
                c.ping();
                c.flush();
                count("pings");
            }
        }, first, periodMicros, TimeUnit.MICROSECONDS);
        synchronized (heartbeats) {
            heartbeats.add(f);
        }
    }

    @Override
    public void onPong(Conn c, long pingMicros, long nowMicros) {
        count("pongs");
        record("pong", nowMicros - pingMicros);
    }
}
