package dev.parley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs the workers of one scenario, in this process (one worker) or as child JVMs of the same
 * class path (several), and merges what they report: counters summed, latency histograms added,
 * verification summed. Prints a progress line to stderr once a second and runs hooks when every
 * worker has reached a phase (the {@code connections} scenario measures the server then).
 *
 * <p>Threading: worker events arrive on worker or reader threads and are merged under this
 * object's lock; hooks run on their own thread.
 */
final class Coordinator {
    private final String scenario;
    private final List<WorkerSpec> specs;
    private final boolean inProcess;
    private final List<String> workerJvmOpts;
    private final Path workDir;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper();

    private final WorkerEvent[] latest;
    private final WorkerEvent[] results;
    private final Map<String, Histogram> totals = new TreeMap<>();
    private final Map<String, Histogram> sincePrint = new HashMap<>();
    private final Map<String, Runnable> phaseHooks = new HashMap<>();
    private final Map<Integer, java.util.Set<String>> seen = new HashMap<>();
    private final long startNanos = System.nanoTime();
    private long lastPrintNanos = startNanos;
    private Map<String, Long> lastPrintCounters = Map.of();
    private String lastPhase = "";
    /** Workers waiting at each barrier; a worker that has its result counts as arrived everywhere. */
    private final Map<String, java.util.Set<Integer>> barriers = new HashMap<>();
    private final java.util.Set<String> releasedBarriers = new java.util.HashSet<>();
    /** How to release a worker from a barrier: the in-process runner, or a child's stdin. */
    private final Map<Integer, java.util.function.Consumer<String>> releasers = new java.util.concurrent.ConcurrentHashMap<>();

    Coordinator(String scenario, List<WorkerSpec> specs, boolean inProcess, List<String> workerJvmOpts, Path workDir,
                PrintStream err) {
        this.scenario = scenario;
        this.specs = specs;
        this.inProcess = inProcess;
        this.workerJvmOpts = workerJvmOpts;
        this.workDir = workDir;
        this.err = err;
        this.latest = new WorkerEvent[specs.size()];
        this.results = new WorkerEvent[specs.size()];
    }

    /** How worker {@code worker} is released from a barrier (set by {@link #run}). */
    void releaser(int worker, java.util.function.Consumer<String> release) {
        releasers.put(worker, release);
    }

    /** Runs {@code hook} once, on its own thread, when every worker has reached {@code phase}. */
    synchronized void onPhase(String phase, Runnable hook) {
        phaseHooks.put(phase, hook);
    }

    /**
     * Runs every worker and waits (at most {@code timeoutSec}) for their results.
     *
     * @return the result of each worker; a worker that produced none is given a failed one
     */
    List<WorkerEvent> run(int timeoutSec) throws IOException, InterruptedException {
        if (inProcess) {
            WorkerSpec spec = specs.get(0);
            Runner runner = Runner.of(spec, this::accept);
            releaser(spec.worker(), runner::release);
            Thread t = new Thread(() -> {
                try {
                    runner.run();
                } catch (Exception e) {
                    e.printStackTrace(err);
                }
            }, "bench-worker-0");
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(timeoutSec));
            if (t.isAlive()) {
                err.println("worker did not finish within " + timeoutSec + " s");
                t.interrupt();
            }
        } else {
            runChildren(timeoutSec);
        }
        List<WorkerEvent> out = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < results.length; i++) {
                out.add(results[i] != null ? results[i] : new WorkerEvent("result", i, "failed", Map.of(), Map.of(),
                        new Verification(0, 0, 0, 0, 0, 0, 0, 1, 0), Map.of("worker produced no result", 1L), "?"));
            }
        }
        return out;
    }

    private void runChildren(int timeoutSec) throws IOException, InterruptedException {
        List<Process> procs = new ArrayList<>();
        CountDownLatch readers = new CountDownLatch(specs.size());
        for (WorkerSpec spec : specs) {
            Path file = workDir.resolve("worker-" + spec.worker() + ".json");
            json.writeValue(file.toFile(), spec);
            List<String> cmd = new ArrayList<>();
            cmd.add(EmbeddedServer.javaBinary());
            cmd.addAll(workerJvmOpts);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(WorkerMain.class.getName());
            cmd.add(file.toString());
            Process p = new ProcessBuilder(cmd)
                    .redirectError(workDir.resolve("worker-" + spec.worker() + ".err").toFile())
                    .start();
            procs.add(p);
            java.io.Writer stdin = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            releaser(spec.worker(), name -> {
                try {
                    synchronized (stdin) {
                        stdin.write(WorkerMain.RELEASE + name + "\n");
                        stdin.flush();
                    }
                } catch (IOException e) {
                    // the worker is gone; its missing result fails the run
                }
            });
            Thread reader = new Thread(() -> read(p, spec.worker(), readers), "bench-worker-reader-" + spec.worker());
            reader.setDaemon(true);
            reader.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSec);
        for (Process p : procs) {
            long left = deadline - System.nanoTime();
            if (!p.waitFor(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                err.println("a worker did not finish within " + timeoutSec + " s; stopping it");
                p.destroyForcibly();
            }
        }
        readers.await(10, TimeUnit.SECONDS);
        for (WorkerSpec spec : specs) {
            synchronized (this) {
                if (results[spec.worker()] == null) {
                    err.println("worker " + spec.worker() + " produced no result; its stderr:\n"
                            + EmbeddedServer.tail(workDir.resolve("worker-" + spec.worker() + ".err"), 20));
                }
            }
        }
    }

    private void read(Process p, int worker, CountDownLatch done) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(WorkerEvent.PREFIX)) {
                    accept(json.readValue(line.substring(WorkerEvent.PREFIX.length()), WorkerEvent.class));
                } else {
                    err.println("[worker " + worker + "] " + line);
                }
            }
        } catch (IOException e) {
            err.println("[worker " + worker + "] output unreadable: " + e);
        } finally {
            done.countDown();
        }
    }

    /** Merges one worker event; prints progress when the leading worker reports. */
    void accept(WorkerEvent e) {
        Runnable hook = null;
        List<String> releases;
        synchronized (this) {
            if (e.histograms() != null) {
                e.histograms().forEach((name, enc) -> {
                    Histogram h = Hist.decode(enc);
                    totals.computeIfAbsent(name, k -> Hist.empty()).add(h);
                    sincePrint.computeIfAbsent(name, k -> Hist.empty()).add(h);
                });
            }
            if (e.isResult()) {
                results[e.worker()] = e;
            }
            latest[e.worker()] = e;
            seen.computeIfAbsent(e.worker(), k -> new java.util.HashSet<>()).add(e.phase());
            if (WorkerEvent.BARRIER.equals(e.kind())) {
                barriers.computeIfAbsent(e.phase(), k -> new java.util.HashSet<>()).add(e.worker());
            }
            List<String> release = releasable();
            releasedBarriers.addAll(release);
            releases = release;
            String phase = commonPhase();
            // A barrier's hook runs when the barrier is released (below), not here.
            if (!barriers.containsKey(e.phase()) && phaseHooks.containsKey(e.phase()) && seen.size() == latest.length
                    && seen.values().stream().allMatch(s -> s.contains(e.phase()))) {
                hook = phaseHooks.remove(e.phase());
            }
            boolean phaseChanged = phase != null && !phase.equals(lastPhase);
            boolean due = e.worker() == 0 && !e.isResult() && System.nanoTime() - lastPrintNanos > 500_000_000L;
            if (phaseChanged || due) {
                printProgress(phase);
            }
        }
        for (String name : releases) {
            Runnable barrierHook;
            synchronized (this) {
                barrierHook = phaseHooks.remove(name);
            }
            if (barrierHook == null) {
                releasers.values().forEach(r -> r.accept(name));
            } else {
                // A hook of a barrier's phase runs before the workers go on (the server is measured
                // while every connection holds and nothing else happens yet).
                Thread t = new Thread(() -> {
                    try {
                        barrierHook.run();
                    } finally {
                        releasers.values().forEach(r -> r.accept(name));
                    }
                }, "bench-hook");
                t.setDaemon(true);
                t.start();
            }
        }
        if (hook != null) {
            Thread t = new Thread(hook, "bench-hook");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Barriers that every worker has reached (or finished without) and that are not released yet. */
    private List<String> releasable() {
        List<String> out = new ArrayList<>();
        barriers.forEach((name, arrived) -> {
            if (releasedBarriers.contains(name)) {
                return;
            }
            for (int w = 0; w < results.length; w++) {
                if (!arrived.contains(w) && results[w] == null) {
                    return;
                }
            }
            out.add(name);
        });
        return out;
    }

    /** The phase every worker is in, or null while they differ. */
    private String commonPhase() {
        String p = null;
        for (WorkerEvent w : latest) {
            if (w == null) {
                return null;
            }
            if (p == null) {
                p = w.phase();
            } else if (!p.equals(w.phase())) {
                return null;
            }
        }
        return p;
    }

    /** Sum of the latest counters of every worker. */
    synchronized Map<String, Long> counters() {
        Map<String, Long> sum = new TreeMap<>();
        for (WorkerEvent w : latest) {
            if (w != null && w.counters() != null) {
                w.counters().forEach((k, v) -> sum.merge(k, v, Long::sum));
            }
        }
        return sum;
    }

    /** Every latency histogram, merged over workers and time. */
    synchronized Map<String, Histogram> histograms() {
        return new TreeMap<>(totals);
    }

    private void printProgress(String phase) {
        long now = System.nanoTime();
        double dt = Math.max(1e-3, (now - lastPrintNanos) / 1e9);
        Map<String, Long> c = counters();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("[%6.1fs] %-10s", (now - startNanos) / 1e9,
                phase != null ? phase : mixedPhases()));
        long conns = c.getOrDefault(Runner.CONNECTED, 0L);
        sb.append(String.format(" conns %,d", conns));
        long connRate = Math.round((conns - lastPrintCounters.getOrDefault(Runner.CONNECTED, 0L)) / dt);
        if (connRate > 0) {
            sb.append(String.format(" (+%,d/s)", connRate));
        }
        if (c.getOrDefault(Runner.FAILED, 0L) > 0 || c.getOrDefault(Runner.LOST, 0L) > 0) {
            sb.append(String.format(" failed %,d lost %,d", c.getOrDefault(Runner.FAILED, 0L), c.getOrDefault(Runner.LOST, 0L)));
        }
        if (!scenario.equals("connections") || c.getOrDefault(Runner.SENT, 0L) > 0) {
            sb.append(String.format(" | sent %,d/s delivered %,d/s",
                    Math.round((c.getOrDefault(Runner.SENT, 0L) - lastPrintCounters.getOrDefault(Runner.SENT, 0L)) / dt),
                    Math.round((c.getOrDefault(Runner.DELIVERED, 0L)
                            - lastPrintCounters.getOrDefault(Runner.DELIVERED, 0L)) / dt)));
        } else if (c.getOrDefault("pongs", 0L) > 0) {
            sb.append(String.format(" | pongs %,d", c.getOrDefault("pongs", 0L)));
        }
        String key = sincePrint.containsKey("latency") ? "latency"
                : scenario.equals("connections") ? (sincePrint.containsKey("pong") ? "pong" : "connect")
                : scenario.equals("offline") ? "drain" : "latency";
        Histogram h = sincePrint.get(key);
        if (h != null && h.getTotalCount() > 0) {
            sb.append(String.format(" | %s p50 %s p99 %s max %s ms", key, Hist.ms(h.getValueAtPercentile(50)),
                    Hist.ms(h.getValueAtPercentile(99)), Hist.ms(h.getMaxValue())));
        }
        long errors = c.getOrDefault(Runner.ERRORS, 0L);
        if (errors > 0) {
            sb.append(String.format(" | errors %,d", errors));
        }
        err.println(sb);
        sincePrint.clear();
        lastPrintNanos = now;
        lastPrintCounters = c;
        lastPhase = phase == null ? lastPhase : phase;
    }

    private String mixedPhases() {
        StringBuilder sb = new StringBuilder();
        for (WorkerEvent w : latest) {
            sb.append(sb.length() == 0 ? "" : "/").append(w == null ? "starting" : w.phase());
        }
        return sb.toString();
    }
}
