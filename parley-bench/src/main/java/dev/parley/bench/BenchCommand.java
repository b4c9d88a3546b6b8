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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench <scenario>}: the load generator's command line. Every scenario starts an
 * embedded server in a child JVM unless {@code --server} is given, registers its users, runs,
 * prints a progress line a second on stderr and a result table on stdout, optionally writes JSON,
 * and exits 0 only when everything it received checked out (1 when a check failed, 2 when it could
 * not run).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "parley-bench 0.1.0",
        description = "Load generator for Parley: real protocol, real WebSockets, verified delivery.",
        subcommands = {ScenarioCommands.Connections.class, ScenarioCommands.Throughput.class,
                ScenarioCommands.Latency.class, ScenarioCommands.Fanout.class, ScenarioCommands.Offline.class,
                ScenarioCommands.Profile.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        quietLogging();
        System.setProperty("io.netty.leakDetection.level", "disabled");
        int code = new CommandLine(new BenchCommand()).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Netty and the other libraries log at WARN and above only: the bench's own output is the point. */
    static void quietLogging() {
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** Options every scenario takes. */
    static final class Common {
        @Option(names = "--server", paramLabel = "URL", split = ",",
                description = "An already running server (http://host:port); repeat it (or separate with commas) for the chat servers of a scale-out deployment: connection i goes to server i mod N, so the two sides of a pair are on different servers. Default: start an embedded server in a child JVM with a temporary data directory.")
        List<URI> servers = new ArrayList<>();

        @Option(names = "--server-admin", paramLabel = "URL",
                description = "The admin listener (server.admin.host:port, where /metrics is served) of the first --server, "
                        + "for the server's memory figures; default: none (those figures are left unknown).")
        URI serverAdmin;

        @Option(names = "--scale-out", paramLabel = "N", defaultValue = "0",
                description = "Run against the scale-out mode started here: Redis, Kafka and Cassandra (dev services, free ports) and N chat servers as child JVMs; connection i goes to server i mod N. Default 0: one embedded server.")
        int scaleOut;

        @Option(names = "--log-partitions", paramLabel = "N", defaultValue = "4",
                description = "With --scale-out: partitions of the conversation log's topics (router.kafka.partitions). Default 4: a few per chat server on a small machine; each partition is a task with its own state stores and transactions.")
        int logPartitions;

        @Option(names = "--log-commit-ms", paramLabel = "MS", defaultValue = "10",
                description = "With --scale-out: router.kafka.commitIntervalMs, how often the log's exactly-once transactions commit.")
        int logCommitMs;

        @Option(names = "--allow-remote", description = "Allow a --server that is not on this machine (loopback). Off by default so that a typo never loads someone else's host.")
        boolean allowRemote;

        @Option(names = "--server-pid", paramLabel = "PID", defaultValue = "-1",
                description = "Process id of the --server, to read its memory and CPU from /proc and run jcmd GC.run.")
        long serverPid;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON to FILE.")
        Path json;

        @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
                description = "Worker processes. 0 (default): one in this process, more (child JVMs) when the connections exceed --per-worker.")
        int workers;

        @Option(names = "--per-worker", paramLabel = "N", defaultValue = "18000",
                description = "Most connections per worker process (default ${DEFAULT-VALUE}; one process may open 20,000 files here).")
        int perWorker;

        @Option(names = "--io-threads", paramLabel = "N", defaultValue = "1",
                description = "Event-loop threads per worker (default ${DEFAULT-VALUE}).")
        int ioThreads;

        @Option(names = "--source-addresses", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Bind client sockets to 127.0.0.2, 127.0.0.3, ... (25,000 connections each) so that more connections fit than one address has ephemeral ports (default on; IPv4 loopback servers only).")
        boolean sourceAddresses;

        @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "1000",
                description = "Most connects in flight per worker (default ${DEFAULT-VALUE}).")
        int connectConcurrency;

        @Option(names = "--setup-concurrency", paramLabel = "N", defaultValue = "32",
                description = "Most registration/login requests in flight (default ${DEFAULT-VALUE}).")
        int setupConcurrency;

        @Option(names = "--fsync", paramLabel = "always|never", defaultValue = "always",
                description = "Embedded server's store.fsync (default ${DEFAULT-VALUE}).")
        String fsync;

        @Option(names = "--server-idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "server.idleTimeoutSeconds of the servers the bench starts; clients ping every third of it "
                        + "(default ${DEFAULT-VALUE}, the server's default).")
        int serverIdleTimeout;

        @Option(names = "--server-heap", paramLabel = "SIZE", defaultValue = "1g",
                description = "Embedded server's -Xmx (default ${DEFAULT-VALUE}).")
        String serverHeap;

        @Option(names = "--server-jvm-opt", paramLabel = "OPT", description = "Extra JVM option for the embedded server (repeatable), e.g. -XX:StartFlightRecording=filename=server.jfr.")
        List<String> serverJvmOpts = new ArrayList<>();

        @Option(names = "--server-jfr", paramLabel = "FILE",
                description = "Profile the embedded server with Java Flight Recorder into FILE and print where its CPU went.")
        Path serverJfr;

        @Option(names = "--worker-heap", paramLabel = "SIZE", defaultValue = "1g",
                description = "-Xmx of worker child processes (default ${DEFAULT-VALUE}).")
        String workerHeap;

        @Option(names = "--keep", description = "Keep the temporary directory (server data, config and logs, worker specs).")
        boolean keep;
    }

    /**
     * The server a run talks to: embedded (started and stopped here) or given.
     */
    static final class Server implements AutoCloseable {
        /** The first server: the server probe goes there. */
        final URI base;
        /** Every chat server's base address: setup (registration, login) is spread over them. */
        final List<URI> bases;
        /** Every chat server's WebSocket address. */
        final List<URI> ws;
        /** The (first) server this bench started, or null for a given one; probed, profiled, watched. */
        final EmbeddedServer embedded;
        /** The scale-out cluster this bench started, or null. */
        final ScaleOutCluster cluster;
        final ServerProbe probe;

        /** @param admin the first server's admin listener ({@code /metrics}), or null when unknown */
        Server(List<URI> bases, URI admin, EmbeddedServer embedded, long pid) {
            this(bases, admin, embedded, pid, null);
        }

        Server(ScaleOutCluster cluster) {
            this(cluster.baseUris(), cluster.servers().get(0).adminUri(), cluster.servers().get(0),
                    cluster.servers().get(0).pid(), cluster);
        }

        private Server(List<URI> bases, URI admin, EmbeddedServer embedded, long pid, ScaleOutCluster cluster) {
            this.base = bases.get(0);
            this.bases = List.copyOf(bases);
            this.ws = bases.stream().map(Server::wsOf).toList();
            this.embedded = embedded;
            this.cluster = cluster;
            this.probe = new ServerProbe(admin, pid);
        }

        /** The first server this bench started that has died, or null. */
        EmbeddedServer dead() {
            if (cluster != null) {
                return cluster.dead();
            }
            return embedded != null && !embedded.isAlive() ? embedded : null;
        }

        private static URI wsOf(URI base) {
            boolean tls = base.getScheme().equals("https");
            return URI.create((tls ? "wss" : "ws") + "://" + base.getHost() + ":"
                    + (base.getPort() == -1 ? (tls ? 443 : 80) : base.getPort()) + "/ws");
        }

        String describe() {
            String where = ws.size() == 1 ? "at " + base
                    : ws.size() + " chat servers (" + String.join(", ", ws.stream().map(u -> u.getHost() + ":" + u.getPort()).toList())
                    + ")";
            if (cluster != null) {
                return "scale-out (Kafka, Cassandra, Redis; chat servers are child JVMs, the first pid "
                        + embedded.pid() + ") " + where;
            }
            return (embedded != null ? "embedded (child JVM pid " + embedded.pid() + ")" : "given") + " " + where;
        }

        @Override
        public void close() {
            if (cluster != null) {
                cluster.close();
            } else if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** The skeleton of every scenario command: setup, workers, report. */
    abstract static class ScenarioCommand implements Callable<Integer> {
        @Mixin
        Common common;

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
        void beforeRun(Server server, Coordinator co) throws InterruptedException {
        }

        /** Fills the scenario's rows. */
        abstract void report(Report r, Server server, Coordinator co, List<WorkerEvent> results, Verification v);

        @Override
        public Integer call() throws Exception {
            String invalid = validate();
            if (invalid == null && common.perWorker < 1) {
                invalid = "--per-worker must be at least 1";
            }
            if (invalid == null && (common.serverIdleTimeout < 5 || common.serverIdleTimeout > 86_400)) {
                invalid = "--server-idle-timeout must be 5 to 86400 seconds (the server's own limits)";
            }
            if (invalid == null && !common.fsync.equals("always") && !common.fsync.equals("never")) {
                invalid = "--fsync must be always or never";
            }
            if (invalid != null) {
                err.println("bench " + scenario() + ": " + invalid);
                return 2;
            }
            Path work = Files.createTempDirectory("parley-bench-");
            Server server;
            long startNanos = System.nanoTime();
            try {
                server = startServer(work);
            } catch (IOException | IllegalArgumentException e) {
                err.println("bench " + scenario() + ": " + e.getMessage());
                if (!common.keep) {
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
                Setup setup = new Setup(server.bases, common.setupConcurrency, err);
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
                boolean inProcess = specs.size() == 1 && common.workers <= 1;
                List<String> workerOpts = List.of("-Xms64m", "-Xmx" + common.workerHeap, "-XX:+UseSerialGC",
                        "-Dio.netty.leakDetection.level=disabled");
                err.printf("workers: %d %s, %,d connections, %d event-loop thread(s) each%n", specs.size(),
                        inProcess ? "(in this process)" : "(child JVMs)", flat.size(), common.ioThreads);
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
                r.row("server", server.describe() + (embeddedStore ? ", fsync " + common.fsync : ""),
                        "server", server.base.toString());
                r.put("fsync", embeddedStore ? common.fsync : null);
                r.put("chatServers", server.ws.size());
                r.row("setup", String.format("%s started in %.1f s; %,d users registered in %.1f s (%,.0f/s); %,d devices logged in in %.1f s (%,.0f/s); setup concurrency %d",
                        server.cluster != null ? "services and chat servers" : "server", serverStartSecs, distinct.size(),
                        registerSecs, distinct.size() / Math.max(1e-3, registerSecs), flat.size(), setup.loginSeconds,
                        flat.size() / Math.max(1e-3, setup.loginSeconds), common.setupConcurrency),
                        "setupSeconds", Map.of("serverStart", serverStartSecs, "register", registerSecs,
                                "login", setup.loginSeconds));
                r.row("workers", specs.size() + (inProcess ? " (in process)" : " (child JVMs)") + ", transport "
                        + results.get(0).transport() + ", " + common.ioThreads + " event-loop thread(s) each",
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
                if (server.embedded != null && common.serverJfr != null) {
                    server.close(); // the recording is written when the server exits
                    profile(r, common.serverJfr);
                }
                r.print(System.out);
                if (common.json != null) {
                    r.writeJson(common.json);
                    err.println("JSON written to " + common.json);
                }
                return r.ok() ? 0 : 1;
            } finally {
                if (!common.keep) {
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

        private Server startServer(Path work) throws IOException, InterruptedException {
            if (!common.servers.isEmpty()) {
                for (URI base : common.servers) {
                    if (base.getHost() == null || base.getScheme() == null) {
                        throw new IllegalArgumentException("--server must look like http://127.0.0.1:8080");
                    }
                    if (!common.allowRemote && !InetAddress.getByName(base.getHost()).isLoopbackAddress()) {
                        throw new IllegalArgumentException("--server " + base + " is not a loopback address; "
                                + "pass --allow-remote to load a remote host on purpose");
                    }
                }
                return new Server(common.servers, common.serverAdmin, null, common.serverPid);
            }
            if (common.scaleOut > 0 && !common.servers.isEmpty()) {
                throw new IllegalArgumentException("--scale-out starts its own servers; it does not go with --server");
            }
            if (common.scaleOut > 0 && common.serverJfr != null) {
                throw new IllegalArgumentException("--server-jfr profiles the one embedded server; not with --scale-out");
            }
            List<String> jvm = new ArrayList<>();
            jvm.add("-Xmx" + common.serverHeap);
            if (common.serverJfr != null) {
                jvm.add("-XX:StartFlightRecording=filename=" + common.serverJfr.toAbsolutePath()
                        + ",settings=profile,dumponexit=true");
            }
            jvm.addAll(common.serverJvmOpts);
            if (common.scaleOut > 0) {
                err.println("starting the scale-out mode: dev services and " + common.scaleOut + " chat server(s) ...");
                return new Server(ScaleOutCluster.start(work.resolve("cluster"), common.scaleOut, jvm, maxGroupMembers(),
                        common.serverIdleTimeout, common.logPartitions, common.logCommitMs, common.keep));
            }
            String yaml = EmbeddedServer.config(work.resolve("data"), common.fsync, maxGroupMembers(),
                    common.serverIdleTimeout);
            err.println("starting the embedded server ...");
            EmbeddedServer s = EmbeddedServer.start(work.resolve("server"), yaml, jvm, Duration.ofSeconds(90), true);
            return new Server(List.of(s.baseUri()), s.adminUri(), s, s.pid());
        }

        /** Splits the units over worker specs (a unit never spans two workers). */
        List<WorkerSpec> partition(List<List<Cred>> units, int connections, List<String> ws) {
            int n = common.workers > 0 ? common.workers : Math.max(1, (connections + common.perWorker - 1) / common.perWorker);
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
                            p.bodyBytes(), p.messages(), p.heartbeatSec(), common.connectConcurrency,
                            p.drainTimeoutSec(), p.senderSync(), common.sourceAddresses,
                            specs.isEmpty() ? p.warmupUnits() : 0, p.connectWarmup());
                    specs.add(new WorkerSpec(scenario(), specs.size(), ws, common.ioThreads, List.copyOf(current), wp));
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
}
