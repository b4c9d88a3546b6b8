package dev.parley.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code connections} scenario's worker: opens its share of authenticated connections as fast
 * as the server accepts them (a bounded number in flight), keeps them idle for the duration with
 * a {@code ping} per connection every heartbeat interval (spread evenly, from the moment each one
 * is open), then closes them. Workers hold at the same time: each waits until every worker is
 * connected, and closes only once every worker is done (with {@code --pairs}, the worker that
 * has the talking pairs is a {@link MessagingRunner} that sends meanwhile). A connection that
 * closes or fails while holding fails the run.
 */
final class ConnectionsRunner extends Runner {
    private final List<Conn> conns = new ArrayList<>();

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
        connectAll(conns, CONNECT_STALL_SEC, CONNECT_CAP_SEC);
        barrier("holding", CONNECT_CAP_SEC + 300);
        long holdStart = Micros.now();
        sleepUntil(holdStart + params.durationSec() * 1_000_000L);
        fix("holdMicros", Micros.now() - holdStart);
        barrier("closing", closingBarrierTimeoutSec());
        stopHeartbeats();
        Verification checks = connectionChecks(conns);
        closeAll(conns);
        return checks.plus(new Verification(0, 0, 0, 0, 0, 0, 0, 0, counter(LOST)));
    }

    @Override
    protected void opened(Conn c) {
        startHeartbeat(c);
    }
}
