package dev.parley.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The part of every scenario's worker that is not the scenario: the WebSocket client, counters and
 * interval recorders, a progress report every second, connecting many connections with a bounded
 * number in flight, and the final result.
 *
 * <p>A runner is used once: {@link #run()} blocks until the scenario is over and returns the
 * result event (which it has also passed to the sink).
 *
 * <p>Longer than most classes on purpose: it is the one base every scenario's worker shares
 * (connecting, barriers with the coordinator, counters and histograms, heartbeats), and each part
 * uses the others' state; split, the parts would pass that state around instead.
 */
abstract class Runner implements Conn.Listener {
    /** Counter names shared by the scenarios and the coordinator. */
    static final String CONNECTED = "connected";
    static final String FAILED = "failed";
    static final String LOST = "lost";
    static final String SENT = "sent";
    static final String DELIVERED = "delivered";
    static final String ERRORS = "errors";
    /** Sends and acknowledgements refused with a retryable error and sent again. */
    static final String RETRIED_SENDS = "retriedSends";
    static final String RETRIED_ACKS = "retriedAcks";

    protected final WorkerSpec spec;
    protected final WorkerSpec.Params params;
    private final Consumer<WorkerEvent> sink;
    protected WsClient client;

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    /** Values set once (timestamps, totals computed at the end). */
    private final Map<String, Long> fixed = new ConcurrentHashMap<>();
    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> problems = new ConcurrentHashMap<>();
    private volatile String phase = "starting";
    /** Barriers the coordinator has released (every worker arrived). */
    private final java.util.Set<String> released = new java.util.HashSet<>();
    private ScheduledExecutorService ticker;

    private final List<io.netty.util.concurrent.ScheduledFuture<?>> heartbeats = new ArrayList<>();

    private Semaphore connectPermits;
    /** When a connection last opened or failed while connecting ({@link System#nanoTime}). */
    private volatile long lastConnectProgress;
    private volatile boolean connectGaveUp;
    private volatile int firstIndex = -1;
    private CountDownLatch connectsPending;

    Runner(WorkerSpec spec, Consumer<WorkerEvent> sink) {
        this.spec = spec;
        this.params = spec.params();
        this.sink = sink;
    }

    /** Creates the runner of {@code spec.scenario()}. */
    static Runner of(WorkerSpec spec, Consumer<WorkerEvent> sink) {
        return switch (spec.scenario()) {
            // With talking pairs (--pairs), the worker that has them runs them in rate mode.
            case "connections" -> spec.units().stream().anyMatch(u -> u.size() > 1)
                    ? new MessagingRunner(spec, sink) : new ConnectionsRunner(spec, sink);
            case "throughput", "latency", "fanout" -> new MessagingRunner(spec, sink);
            case "offline" -> new OfflineRunner(spec, sink);
            default -> throw new IllegalArgumentException("unknown scenario " + spec.scenario());
        };
    }

    /** Runs the scenario and returns (and reports) its result. */
    final WorkerEvent run() throws Exception {
        client = new WsClient(spec.wsUrls().stream().map(URI::create).toList(), spec.ioThreads(), params.bindSource());
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress-" + spec.worker());
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> sink.accept(snapshot("progress", null)), 1, 1, TimeUnit.SECONDS);
        Verification v;
        try {
            v = scenario();
        } catch (Exception | AssertionError e) {
            problem("worker aborted: " + e);
            v = Verification.EMPTY.plus(new Verification(0, 0, 0, 0, 0, 0, 0, 1, 0));
        } finally {
            ticker.shutdownNow();
            ticker.awaitTermination(2, TimeUnit.SECONDS);
            client.close();
        }
        phase("done");
        WorkerEvent result = snapshot("result", v);
        sink.accept(result);
        return result;
    }

    /** The scenario itself; returns what it verified. Called once, on the runner's thread. */
    protected abstract Verification scenario() throws Exception;

    // ---- bookkeeping -----------------------------------------------------------------------

    protected final void phase(String name) {
        phase = name;
        sink.accept(snapshot("progress", null));
    }

    /**
     * Enters phase {@code name} and waits until every worker of the run has reached it (the
     * coordinator then calls {@link #release}), so that all workers hold their connections at the
     * same time: one worker must not start sending, or close, while another is still connecting
     * or sending.
     *
     * @return false when the barrier was not released within {@code timeoutSec} (counted as a problem)
     */
    protected final boolean barrier(String name, int timeoutSec) throws InterruptedException {
        // The barrier event goes first: the coordinator must know the phase is a barrier before any
        // progress event shows a worker in it.
        sink.accept(snapshot(WorkerEvent.BARRIER, name, null));
        phase = name;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSec);
        synchronized (released) {
            while (!released.contains(name)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    problem("the other workers did not reach '" + name + "' within " + timeoutSec + " s");
                    return false;
                }
                released.wait(left);
            }
        }
        return true;
    }

    /** Releases the workers waiting at barrier {@code name} (any thread). */
    final void release(String name) {
        synchronized (released) {
            released.add(name);
            released.notifyAll();
        }
    }

    protected final String phase() {
        return phase;
    }

    /** The counter {@code name}, for hot paths that keep a reference. */
    protected final LongAdder adder(String name) {
        return counters.computeIfAbsent(name, k -> new LongAdder());
    }

    /** The interval recorder {@code name} (microseconds), for hot paths that keep a reference. */
    protected final Recorder recorder(String name) {
        return recorders.computeIfAbsent(name, k -> new Recorder(Hist.HIGHEST, Hist.DIGITS));
    }

    /** Records a latency in microseconds into {@code r}, clamped to the histogram's range. */
    protected static void record(Recorder r, long micros) {
        r.recordValue(Math.max(0, Math.min(micros, Hist.HIGHEST)));
    }

    protected final void count(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    protected final void count(String name, long n) {
        counters.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    protected final long counter(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    protected final void fix(String name, long value) {
        fixed.put(name, value);
    }

    /** Records a latency in microseconds into the named interval recorder. */
    protected final void record(String name, long micros) {
        recorders.computeIfAbsent(name, k -> new Recorder(Hist.HIGHEST, Hist.DIGITS))
                .recordValue(Math.max(0, Math.min(micros, Hist.HIGHEST)));
    }

    /** Counts one occurrence of a failure reason (reported grouped, not line by line). */
    protected final void problem(String reason) {
        problems.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    private WorkerEvent snapshot(String kind, Verification v) {
        return snapshot(kind, phase, v);
    }

    private synchronized WorkerEvent snapshot(String kind, String phase, Verification v) {
        Map<String, Long> c = new TreeMap<>(fixed);
        counters.forEach((k, a) -> c.put(k, a.sum()));
        Map<String, String> h = new LinkedHashMap<>();
        recorders.forEach((k, r) -> {
            Histogram interval = r.getIntervalHistogram();
            if (interval.getTotalCount() > 0) {
                h.put(k, Hist.encode(interval));
            }
        });
        Map<String, Long> p = null;
        if (v != null) {
            p = new TreeMap<>();
            for (Map.Entry<String, LongAdder> e : problems.entrySet()) {
                p.put(e.getKey(), e.getValue().sum());
            }
        }
        return new WorkerEvent(kind, spec.worker(), phase, c, h, v, p, v == null ? null : client.transport());
    }

    // ---- connecting ------------------------------------------------------------------------

    /**
     * Connects every one of {@code conns} with at most {@code connectConcurrency} in flight and
     * waits until each is open or failed (or {@code timeoutSec} passed). Counts connected and
     * failed, records connect latency (TCP connect to {@code welcome}) as {@code connect}, and the
     * wall-clock span as {@code connectStartMs} / {@code connectEndMs}.
     *
     * @return true when every connection opened
     */
    protected final boolean connectAll(List<Conn> conns, int timeoutSec) throws InterruptedException {
        return connectAll(conns, timeoutSec, timeoutSec);
    }

    /**
     * As {@link #connectAll(List, int)}, but gives up only when no connection has opened or failed
     * for {@code stallSec}, or after {@code capSec} in all: a hundred thousand connections through
     * Cassandra token lookups on a shared two-core machine may take many minutes, and how long
     * depends on the machine's load, not on anything the run should fail for.
     */
    protected final boolean connectAll(List<Conn> conns, int stallSec, int capSec) throws InterruptedException {
        connectPermits = new Semaphore(Math.max(1, params.connectConcurrency()));
        connectsPending = new CountDownLatch(conns.size());
        long start = System.nanoTime();
        long cap = start + TimeUnit.SECONDS.toNanos(capSec);
        long stall = TimeUnit.SECONDS.toNanos(stallSec);
        lastConnectProgress = start;
        // The first connection goes alone and is not timed for the rate: it pays for class loading
        // and cold code on both sides, which says nothing about how fast connects are.
        if (!conns.isEmpty()) {
            firstIndex = conns.get(0).cred().index();
            connectPermits.acquire();
            client.connect(conns.get(0));
            while (connectsPending.getCount() == conns.size() && System.nanoTime() < Math.min(cap, lastConnectProgress + stall)) {
                Thread.sleep(1);
            }
        }
        fix("connectStartMs", System.currentTimeMillis());
        outer:
        for (Conn c : conns.subList(Math.min(1, conns.size()), conns.size())) {
            while (!connectPermits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() >= Math.min(cap, lastConnectProgress + stall)) {
                    break outer;
                }
            }
            client.connect(c);
        }
        boolean all;
        while (!(all = connectsPending.await(200, TimeUnit.MILLISECONDS))
                && System.nanoTime() < Math.min(cap, lastConnectProgress + stall)) {
            // waiting while connections keep completing
        }
        fix("connectEndMs", System.currentTimeMillis());
        if (!all) {
            // Those still pending are failed now; their own failure later must not count them twice.
            connectGaveUp = true;
            long missing = connectsPending.getCount();
            count(FAILED, missing);
            problem(System.nanoTime() >= cap ? "connect: not all answered within " + capSec + " s"
                    : "connect: no connection completed for " + stallSec + " s");
        }
        return all && counter(FAILED) == 0;
    }

    @Override
    public void onOpen(Conn c) {
        lastConnectProgress = System.nanoTime();
        count(CONNECTED);
        if (c.cred().index() != firstIndex) {
            record("connect", c.openMicros - c.connectStartMicros);
        } else {
            count("primers");
        }
        opened(c);
        if (connectPermits != null) {
            connectPermits.release();
            connectsPending.countDown();
        }
    }

    /** A connection became open (on its event loop), before the connect accounting. */
    protected void opened(Conn c) {
    }

    /**
     * Pings {@code c} every heartbeat interval from now on, as a real client does: {@code
     * --heartbeat} seconds, or a third of the welcome's {@code heartbeatSeconds} as the protocol
     * asks. Starts right when a connection opens, because with thousands of connections the
     * connecting phase can outlast the server's idle timeout, and connections that waited silently
     * for the others would be closed by the server, rightly. Call on the connection's event loop.
     */
    protected final void startHeartbeat(Conn c) {
        int hb = params.heartbeatSec();
        if (hb <= 0) {
            hb = c.heartbeatSeconds <= 0 ? 20 : Math.max(1, c.heartbeatSeconds / 3);
        }
        fix("heartbeatSec", hb);
        long periodMicros = hb * 1_000_000L;
        long first = java.util.concurrent.ThreadLocalRandom.current().nextLong(periodMicros);
        io.netty.util.concurrent.ScheduledFuture<?> f = c.channel().eventLoop().scheduleAtFixedRate(() -> {
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

    /** Stops every heartbeat {@link #startHeartbeat} started. */
    protected final void stopHeartbeats() {
        synchronized (heartbeats) {
            heartbeats.forEach(f -> f.cancel(false));
            heartbeats.clear();
        }
    }

    /**
     * Pongs to pings sent before this instant are counted but not timed. The {@code connections}
     * scenario times only the hold: pings start as each connection opens, and those sent while
     * the others connect, or while the server runs the full GCs of the memory measurement,
     * measured the connect storm and the GC pauses, not a heartbeat at idle.
     */
    protected volatile long pongTimingFromMicros;

    @Override
    public void onPong(Conn c, long pingMicros, long nowMicros) {
        count("pongs");
        if (pingMicros >= pongTimingFromMicros) {
            record("pong", nowMicros - pingMicros);
        }
    }

    /** A capacity run's workers give up connecting when nothing completed for this long. */
    static final int CONNECT_STALL_SEC = 120;
    /** ... or after this long in all. */
    static final int CONNECT_CAP_SEC = 3600;

    /**
     * How long a worker that has held its connections for the duration waits for the others
     * before closing: a worker with talking pairs still has its warm-up, the drain and the setup
     * of its conversations to go.
     */
    protected final int closingBarrierTimeoutSec() {
        return params.warmupSec() + params.drainTimeoutSec() + 180;
    }

    @Override
    public void onFailed(Conn c, String reason) {
        lastConnectProgress = System.nanoTime();
        if (connectGaveUp) {
            return; // counted when connecting gave up
        }
        count(FAILED);
        problem(reason);
        if (connectPermits != null) {
            connectPermits.release();
            connectsPending.countDown();
        }
    }

    @Override
    public void onLost(Conn c, String reason) {
        count(LOST);
        problem("connection lost: " + reason);
    }

    @Override
    public void onRetry(Conn c, char requestKind, String code) {
        count(requestKind == 'm' ? RETRIED_SENDS : RETRIED_ACKS);
    }

    @Override
    public void onError(Conn c, char requestKind, String code, String text) {
        count(ERRORS);
        problem("error frame " + code + " (request kind '" + requestKind + "')");
    }

    /** Runs {@code action} on each connection's event loop and waits for all (bounded). */
    protected static boolean onEachLoop(List<Conn> conns, Consumer<Conn> action, int timeoutSec)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(conns.size());
        for (Conn c : conns) {
            if (c.channel() == null) {
                done.countDown();
                continue;
            }
            c.execute(() -> {
                try {
                    action.accept(c);
                } finally {
                    done.countDown();
                }
            });
        }
        return done.await(timeoutSec, TimeUnit.SECONDS);
    }

    /** Closes every connection and waits (bounded) until they are closed. */
    protected static void closeAll(List<Conn> conns) throws InterruptedException {
        for (Conn c : conns) {
            c.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Conn c : conns) {
            while (c.channel() != null && c.channel().isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
    }

    /**
     * The connection-level checks of every connection, read on each connection's event loop:
     * inbox duplicates and gaps, error frames.
     */
    protected static Verification connectionChecks(List<Conn> conns) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLongArray sums = new java.util.concurrent.atomic.AtomicLongArray(3);
        onEachLoop(conns, c -> {
            sums.addAndGet(0, c.inboxDuplicates);
            sums.addAndGet(1, c.inboxGaps);
            sums.addAndGet(2, c.errors);
        }, 30);
        return new Verification(0, 0, sums.get(0), 0, 0, sums.get(1), 0, sums.get(2), 0);
    }

    /** Sleeps until {@code micros} on the {@link Micros} clock. */
    protected static void sleepUntil(long micros) throws InterruptedException {
        long left;
        while ((left = micros - Micros.now()) > 0) {
            Thread.sleep(Math.min(left / 1000 + 1, 200));
        }
    }

    /** Splits {@code all} into lists per event loop. */
    protected static Map<io.netty.channel.EventLoop, List<Conn>> byLoop(List<Conn> all) {
        Map<io.netty.channel.EventLoop, List<Conn>> m = new LinkedHashMap<>();
        for (Conn c : all) {
            if (c.channel() != null) {
                m.computeIfAbsent(c.channel().eventLoop(), k -> new ArrayList<>()).add(c);
            }
        }
        return m;
    }
}
