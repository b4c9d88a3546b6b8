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
 * a {@code ping} per connection every heartbeat interval (spread evenly), then closes them. A
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
        int hb = params.heartbeatSec();
        List<Conn> open = conns.stream().filter(c -> c.state() == Conn.State.OPEN).toList();
        if (hb <= 0) {
            // The protocol asks clients to ping at a third of the server's heartbeatSeconds.
            hb = open.isEmpty() || open.get(0).heartbeatSeconds <= 0 ? 20 : Math.max(1, open.get(0).heartbeatSeconds / 3);
        }
        fix("heartbeatSec", hb);
        long periodMicros = hb * 1_000_000L;
        synchronized (heartbeats) {
            for (Conn c : open) {
                long first = ThreadLocalRandom.current().nextLong(periodMicros);
                heartbeats.add(c.channel().eventLoop().scheduleAtFixedRate(() -> {
                    if (c.state() == Conn.State.OPEN) {
                        c.ping();
                        c.flush();
                        count("pings");
                    }
                }, first, periodMicros, TimeUnit.MICROSECONDS));
            }
        }
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

    @Override
    public void onPong(Conn c, long pingMicros, long nowMicros) {
        count("pongs");
        record("pong", nowMicros - pingMicros);
    }
}
