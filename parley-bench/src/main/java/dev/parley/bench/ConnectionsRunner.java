package dev.parley.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
        pongTimingFromMicros = Long.MAX_VALUE;
        warmUp(Math.min(params.connectWarmup(), conns.size()));
        phase("connecting");
        connectAll(conns, CONNECT_STALL_SEC, CONNECT_CAP_SEC);
        barrier("holding", CONNECT_CAP_SEC + 300);
        long holdStart = Micros.now();
        pongTimingFromMicros = holdStart;
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

    /**
     * Opens {@code n} connections with the credentials of the first {@code n}, at most
     * {@code --connect-concurrency} in flight, waits for their {@code welcome}, and closes them:
     * the JIT of both processes compiles the connect path before the timed connects, where it took
     * more than half of the CPU in a cold run. Nothing here is counted or timed; a warm-up
     * connection that fails is a problem of the run all the same.
     */
    private void warmUp(int n) throws InterruptedException {
        if (n <= 0) {
            return;
        }
        phase("warming up");
        Semaphore permits = new Semaphore(Math.max(1, params.connectConcurrency()));
        CountDownLatch done = new CountDownLatch(n);
        Conn.Listener listener = new Conn.Listener() {
            @Override
            public void onOpen(Conn c) {
                permits.release();
                done.countDown();
            }

            @Override
            public void onFailed(Conn c, String reason) {
                problem("warm-up connect: " + reason);
                permits.release();
                done.countDown();
            }

            @Override
            public void onLost(Conn c, String reason) {
            }
        };
        List<Conn> warm = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Conn c = new Conn(conns.get(i).cred(), listener);
            warm.add(c);
            if (!permits.tryAcquire(CONNECT_STALL_SEC, TimeUnit.SECONDS)) {
                problem("warm-up: no connect completed for " + CONNECT_STALL_SEC + " s");
                break;
            }
            client.connect(c);
        }
        done.await(CONNECT_STALL_SEC, TimeUnit.SECONDS);
        closeAll(warm);
        awaitCompilationQuiet();
        // Every worker starts its timed connects together, so that no warm-up falls in the span.
        barrier("warmed", CONNECT_CAP_SEC);
    }

    /**
     * Waits (at most {@value #JIT_SETTLE_CAP_MS} ms) until this JVM's JIT compiler has been idle
     * for {@value #JIT_QUIET_MS} ms: right after a warm-up its C2 threads were still compiling
     * and took half of the load generator's CPU during the timed connects. The server's compiler
     * settles meanwhile too.
     */
    private static void awaitCompilationQuiet() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            Thread.sleep(JIT_QUIET_MS);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JIT_SETTLE_CAP_MS);
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= TimeUnit.MILLISECONDS.toNanos(JIT_QUIET_MS)) {
                return;
            }
        }
    }

    private static final long JIT_QUIET_MS = 1_000;
    private static final long JIT_SETTLE_CAP_MS = 15_000;
}
