package dev.parley.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Mixin;

/** The skeleton of every scenario command: setup, workers, report. */
abstract class ScenarioCommand implements Callable<Integer> {
    @Mixin
    ServerOptions servers;

    @Mixin
    ServerLaunchOptions launch;

    @Mixin
    ScaleOutOptions scaleOut;

    @Mixin
    WorkerOptions workers;

    @Mixin
    OutputOptions output;

    protected final PrintStream err = System.err;

    abstract String scenario();

    /** Units of work as lists of usernames, one entry per connection; names start with {@code prefix}. */
    abstract List<List<String>> units(String prefix);

    abstract WorkerSpec.Params params();

    /** The bound of the whole run in seconds (the workers bound themselves well within it). */
    abstract int timeoutSec();

    /** Offered rate of the whole run, split over workers by units (latency scenario), else 0. */
    double totalRate() {
        return 0;
    }

    int maxGroupMembers() {
        return 0;
    }

    /** Checks the options; returns an error message or null. */
    String validate() {
        return null;
    }

    /** The window whose server CPU {@code --server-jfr} summarizes; null for the whole run. */
    CpuWindow profiledWindow() {
        return null;
    }

    /** Called before the workers start (the connections scenario measures the server here). */
    void beforeRun(BenchCommand.Server server, Coordinator co) throws InterruptedException {
    }

    /** Fills the scenario's rows. */
    abstract void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v);

    @Override
    public Integer call() throws Exception {
        String invalid = validate();
        if (invalid == null) {
            invalid = workers.validate();
        }
        if (invalid == null) {
            invalid = launch.validate();
        }
        if (invalid != null) {
            err.println("bench " + scenario() + ": " + invalid);
            return 2;
        }
        Path work = Files.createTempDirectory("parley-bench-");
        BenchCommand.Server server;
        long startNanos = System.nanoTime();
        try {
            server = startServer(work);
        } catch (IOException | IllegalArgumentException e) {
            err.println("bench " + scenario() + ": " + e.getMessage());
            if (!output.keep) {
                EmbeddedServer.deleteTree(work);
            }
            return 2;
        }
        try (server) {
            err.println("server: " + server.describe());
            String prefix = "b" + runId();
            List<List<String>> names = units(prefix);
            List<String> flat = new ArrayList<>();
            names.forEach(flat::addAll);
            double serverStartSecs = (System.nanoTime() - startNanos) / 1e9;
            Setup setup = new Setup(server.bases, workers.setupConcurrency, err);
            List<Cred> creds;
            List<String> distinct = new ArrayList<>(new LinkedHashSet<>(flat));
            double registerSecs;
            try {
                registerSecs = setup.register(distinct);
                creds = setup.login(flat);
            } catch (IOException e) {
                err.println("bench " + scenario() + ": " + e.getMessage());
                return 2;
            }
            List<List<Cred>> units = new ArrayList<>();
            int at = 0;
            for (List<String> u : names) {
                units.add(creds.subList(at, at + u.size()));
                at += u.size();
            }
            List<WorkerSpec> specs = partition(units, flat.size(), server.ws.stream().map(URI::toString).toList());
            boolean inProcess = specs.size() == 1 && workers.count <= 1;
            List<String> workerOpts = List.of("-Xms64m", "-Xmx" + workers.heap, "-XX:+UseSerialGC",
                    "-Dio.netty.leakDetection.level=disabled");
            err.printf("workers: %d %s, %,d connections, %d event-loop thread(s) each%n", specs.size(),
                    inProcess ? "(in this process)" : "(child JVMs)", flat.size(), workers.ioThreads);
            Coordinator co = new Coordinator(scenario(), specs, inProcess, workerOpts, work, err);
            beforeRun(server, co);
            List<WorkerEvent> results = co.run(timeoutSec());
            Verification v = Verification.EMPTY;
            for (WorkerEvent e : results) {
                if (e.verification() != null) {
                    v = v.plus(e.verification());
                }
            }
            Report r = new Report(scenario());
            r.row("scenario", scenario(), null, null);
            boolean embeddedStore = server.embedded != null && server.cluster == null;
            r.row("server", server.describe() + (embeddedStore ? ", fsync " + launch.fsync : ""),
                    "server", server.base.toString());
            r.put("fsync", embeddedStore ? launch.fsync : null);
            r.put("chatServers", server.ws.size());
            r.row("setup", String.format("%s started in %.1f s; %,d users registered in %.1f s (%,.0f/s); %,d devices logged in in %.1f s (%,.0f/s); setup concurrency %d",
                    server.cluster != null ? "services and chat servers" : "server", serverStartSecs, distinct.size(),
                    registerSecs, distinct.size() / Math.max(1e-3, registerSecs), flat.size(), setup.loginSeconds,
                    flat.size() / Math.max(1e-3, setup.loginSeconds), workers.setupConcurrency),
                    "setupSeconds", Map.of("serverStart", serverStartSecs, "register", registerSecs,
                            "login", setup.loginSeconds));
            r.row("workers", specs.size() + (inProcess ? " (in process)" : " (child JVMs)") + ", transport "
                    + results.get(0).transport() + ", " + workers.ioThreads + " event-loop thread(s) each",
                    "workers", specs.size());
            report(r, server, co, results, v);
            r.row("verification", v.summary(), "verification", v);
            if (!v.ok()) {
                r.fail("verification: " + v.summary());
            }
            Map<String, Long> problems = new java.util.TreeMap<>();
            results.forEach(e -> {
                if (e.problems() != null) {
                    e.problems().forEach((k, n) -> problems.merge(k, n, Long::sum));
                }
            });
            if (!problems.isEmpty()) {
                r.put("problems", problems);
                problems.forEach((k, n) -> r.row("problem", String.format("%,d x %s", n, k), null, null));
                if (r.ok()) {
                    r.fail("problems reported by workers (see above)");
                }
            }
            EmbeddedServer dead = server.dead();
            if (dead != null) {
                r.fail("a server this bench started died; its log:\n" + EmbeddedServer.tail(dead.log(), 20));
            }
            if (server.embedded != null && launch.jfr != null) {
                server.close(); // the recording is written when the server exits
                profile(r, launch.jfr);
            }
            r.print(System.out);
            if (output.json != null) {
                r.writeJson(output.json);
                err.println("JSON written to " + output.json);
            }
            return r.ok() ? 0 : 1;
        } finally {
            if (!output.keep) {
                EmbeddedServer.deleteTree(work);
            } else {
                err.println("kept " + work);
            }
        }
    }

    private void profile(Report r, Path jfr) {
        try {
            CpuWindow window = profiledWindow();
            CpuWindow.Span span = window == null ? null : window.span();
            JfrSummary.Summary s = JfrSummary.read(jfr, 12, span);
            r.put("serverProfile", s);
            r.row("server profile", String.format("%,d CPU samples in %s (%s); hottest methods:", s.samples(), jfr,
                    span == null ? "the whole run" : "the measured window only"), null, null);
            for (JfrSummary.Entry e : s.topFrames()) {
                r.row("", String.format("%5.1f%%  %s", e.percent(), e.method()), null, null);
            }
            r.row("by Parley method", "first dev.parley frame on the stack:", null, null);
            for (JfrSummary.Entry e : s.parleyFrames()) {
                r.row("", String.format("%5.1f%%  %s", e.percent(), e.method()), null, null);
            }
        } catch (IOException | RuntimeException e) {
            r.row("server profile", "unreadable: " + e.getMessage(), null, null);
        }
    }

    private BenchCommand.Server startServer(Path work) throws IOException, InterruptedException {
        if (!servers.urls.isEmpty()) {
            for (URI base : servers.urls) {
                if (base.getHost() == null || base.getScheme() == null) {
                    throw new IllegalArgumentException("--server must look like http://127.0.0.1:8080");
                }
                if (!servers.allowRemote && !InetAddress.getByName(base.getHost()).isLoopbackAddress()) {
                    throw new IllegalArgumentException("--server " + base + " is not a loopback address; "
                            + "pass --allow-remote to load a remote host on purpose");
                }
            }
            return new BenchCommand.Server(servers.urls, servers.admin, null, servers.pid);
        }
        if (scaleOut.chatServers > 0 && !servers.urls.isEmpty()) {
            throw new IllegalArgumentException("--scale-out starts its own servers; it does not go with --server");
        }
        if (scaleOut.chatServers > 0 && launch.jfr != null) {
            throw new IllegalArgumentException("--server-jfr profiles the one embedded server; not with --scale-out");
        }
        List<String> jvm = new ArrayList<>();
        jvm.add("-Xmx" + launch.heap);
        if (launch.jfr != null) {
            jvm.add("-XX:StartFlightRecording=filename=" + launch.jfr.toAbsolutePath()
                    + ",settings=profile,dumponexit=true");
        }
        jvm.addAll(launch.jvmOpts);
        if (scaleOut.chatServers > 0) {
            err.println("starting the scale-out mode: dev services and " + scaleOut.chatServers + " chat server(s) ...");
            return new BenchCommand.Server(ScaleOutCluster.start(work.resolve("cluster"), scaleOut.chatServers, jvm, maxGroupMembers(),
                    launch.idleTimeout, scaleOut.logPartitions, scaleOut.logCommitMs, output.keep));
        }
        String yaml = EmbeddedServer.config(work.resolve("data"), launch.fsync, maxGroupMembers(),
                launch.idleTimeout);
        err.println("starting the embedded server ...");
        EmbeddedServer s = EmbeddedServer.start(work.resolve("server"), yaml, jvm, Duration.ofSeconds(90), true);
        return new BenchCommand.Server(List.of(s.baseUri()), s.adminUri(), s, s.pid());
    }

    /** Splits the units over worker specs (a unit never spans two workers). */
    List<WorkerSpec> partition(List<List<Cred>> units, int connections, List<String> ws) {
        int n = workers.count > 0 ? workers.count : Math.max(1, (connections + workers.perWorker - 1) / workers.perWorker);
        n = Math.min(n, units.size());
        List<WorkerSpec> specs = new ArrayList<>();
        WorkerSpec.Params p = params();
        int target = (connections + n - 1) / n;
        List<List<Cred>> current = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < units.size(); i++) {
            current.add(units.get(i));
            count += units.get(i).size();
            int workersLeft = n - specs.size() - 1;
            int unitsLeft = units.size() - i - 1;
            if ((count >= target && workersLeft > 0 && unitsLeft >= workersLeft) || i == units.size() - 1) {
                // The rate is shared by the units that talk (idle connections of a capacity run do not).
                double rate = talking(units) == 0 ? 0 : totalRate() * talking(current) / talking(units);
                WorkerSpec.Params wp = new WorkerSpec.Params(p.durationSec(), p.warmupSec(), p.window(), rate,
                        p.bodyBytes(), p.messages(), p.heartbeatSec(), workers.connectConcurrency,
                        p.drainTimeoutSec(), p.senderSync(), workers.sourceAddresses,
                        specs.isEmpty() ? p.warmupUnits() : 0, p.connectWarmup());
                specs.add(new WorkerSpec(scenario(), specs.size(), ws, workers.ioThreads, List.copyOf(current), wp));
                current = new ArrayList<>();
                count = 0;
            }
        }
        return specs;
    }

    /** Units with a sender and at least one receiver. */
    static long talking(List<List<Cred>> units) {
        return units.stream().filter(u -> u.size() > 1).count();
    }

    /** A rate over the measured window, summed over workers (each measures its own window). */
    static double measuredRate(List<WorkerEvent> results, String counter) {
        double sum = 0;
        for (WorkerEvent e : results) {
            long micros = e.counters().getOrDefault("measureMicros", 0L);
            if (micros > 0) {
                sum += e.counters().getOrDefault(counter, 0L) * 1e6 / micros;
            }
        }
        return sum;
    }

    static long sum(List<WorkerEvent> results, String counter) {
        return results.stream().mapToLong(e -> e.counters().getOrDefault(counter, 0L)).sum();
    }

    static Histogram hist(Coordinator co, String name) {
        return co.histograms().get(name);
    }

    private static String runId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
