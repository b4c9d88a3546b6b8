package dev.parley.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench connections}: many idle connections (and optionally talking pairs); connect rate and memory per connection. */
@Command(name = "connections", mixinStandardHelpOptions = true,
        description = "Open C authenticated connections, keep them idle with heartbeats for a while; connect rate, failures and the server's memory per connection. With --pairs, some of them talk in pairs at a fixed rate meanwhile (a capacity run).")
final class ConnectionsCommand extends ScenarioCommand {
    @Option(names = {"-c", "--connections"}, paramLabel = "C", defaultValue = "1000",
            description = "Connections, the talking pairs included (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-u", "--users"}, paramLabel = "U", defaultValue = "0",
            description = "Users the idle connections belong to, as several devices each (default: one user per connection).")
    int users;

    @Option(names = "--pairs", paramLabel = "P", defaultValue = "0",
            description = "Of the connections, 2P talk in P pairs (users of their own, one device each; the two sides of a pair on different servers) in direct conversations at --rate while the others idle; every message is verified. Default 0: all idle.")
    int pairs;

    @Option(names = "--rate", paramLabel = "MSG/S", defaultValue = "0",
            description = "With --pairs: offered messages per second over all pairs (open loop, as in the latency scenario).")
    double rate;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
            description = "With --pairs: traffic before measuring starts, not counted (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "100",
            description = "With --pairs: message body size in bytes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-w", "--window"}, paramLabel = "W", defaultValue = "1000",
            description = "With --pairs: most messages in flight per sender (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "With --pairs: how long to wait for the last messages once sending stops (default ${DEFAULT-VALUE}).")
    int drainTimeout;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "30",
            description = "How long the connections stay open once all are connected (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "0",
            description = "Seconds between a connection's pings (default: a third of the welcome's heartbeatSeconds, as the protocol asks).")
    int heartbeat;

    @Option(names = "--connect-warmup", paramLabel = "N", defaultValue = "0",
            description = "Before the timed connects, each worker opens N connections (with the credentials of its first N), waits for their welcome and closes them, so that the connect rate is that of warm code on both sides rather than of the JIT compiling it (default ${DEFAULT-VALUE}: cold).")
    int connectWarmup;

    private volatile ServerProbe.Memory before;
    private volatile ServerProbe.Memory after;
    private volatile Map<String, long[]> classesBefore = Map.of();
    /** CPU of the server side and the load generator from the start of the connects until all are open. */
    private CpuWindow connectCpu;

    /** Profiles the timed connects: what a connect costs the server. */
    @Override
    CpuWindow profiledWindow() {
        return connectCpu;
    }
    private volatile Map<String, long[]> classesAfter = Map.of();
    private volatile long openFiles = -1;
    private volatile double cpuHoldStart = -1;
    private volatile long holdStartNanos;
    private volatile double cpuHoldEnd = -1;
    private volatile long holdEndNanos;
    private volatile long pongsAtHoldStart;
    private volatile NavigableMap<Double, Long> replyBucketsAtHoldStart = new TreeMap<>();
    private volatile NavigableMap<Double, Long> replyBucketsAtHoldEnd = new TreeMap<>();
    private volatile long pongsAtHoldEnd;
    private volatile ClusterProbe cluster;
    private volatile List<ClusterProbe.ServerSample> serversBefore = List.of();
    private volatile List<ClusterProbe.ServerSample> serversHolding = List.of();
    private volatile List<ClusterProbe.ProcessSample> processesAtHoldStart = List.of();
    private volatile List<ClusterProbe.ProcessSample> processesAtHoldEnd = List.of();
    private volatile double loadAtHoldStart = -1;
    private volatile double loadAtHoldEnd = -1;

    @Override
    String scenario() {
        return "connections";
    }

    @Override
    String validate() {
        if (connections < 1 || connections > 250 * WsClient.PER_SOURCE_ADDRESS) return "--connections must be 1 to 6,250,000";
        if (users < 0 || users > connections) return "--users must be 0 to the number of connections";
        if (duration < 1 || duration > 3600) return "--duration must be 1 to 3600 seconds";
        if (heartbeat < 0 || heartbeat > 3600) return "--heartbeat must be 0 to 3600 seconds";
        if (pairs < 0 || 2L * pairs > connections) return "--pairs must be 0 to half the connections";
        if (pairs > 0 && (rate <= 0 || rate > 10_000_000)) return "--pairs needs a --rate above 0 (at most 10,000,000)";
        if (pairs == 0 && rate != 0) return "--rate goes with --pairs";
        if (users > connections - 2 * pairs) return "--users must be at most the idle connections (C - 2P)";
        if (warmup < 0 || warmup > 600) return "--warmup must be 0 to 600 seconds";
        if (size < 1 || size > 60_000) return "--size must be 1 to 60000 bytes";
        if (window < 1 || window > 100_000) return "--window must be 1 to 100000";
        if (drainTimeout < 1 || drainTimeout > 600) return "--drain-timeout must be 1 to 600 seconds";
        return null;
    }

    int idleConnections() {
        return connections - 2 * pairs;
    }

    /**
     * The talking pairs first (connection i goes to server i mod N, so the two sides of a pair,
     * adjacent, sit on different servers), then the idle connections, spread over
     * {@code --users} users as several devices each.
     */
    @Override
    List<List<String>> units(String prefix) {
        return units(prefix, connections, users, pairs);
    }

    static List<List<String>> units(String prefix, int connections, int users, int pairs) {
        int idle = connections - 2 * pairs;
        int u = users == 0 ? idle : users;
        List<String> talkers = Setup.names(prefix + "p", 2 * pairs);
        List<String> names = Setup.names(prefix, u);
        List<List<String>> units = new ArrayList<>(connections);
        for (int i = 0; i < 2 * pairs; i += 2) {
            units.add(List.of(talkers.get(i), talkers.get(i + 1)));
        }
        for (int i = 0; i < idle; i++) {
            units.add(List.of(names.get(i % u)));
        }
        return units;
    }

    @Override
    WorkerSpec.Params params() {
        if (pairs == 0) {
            return new WorkerSpec.Params(duration, 0, 0, 0, 0, 0, heartbeat, 0, 0, false, true, 0, connectWarmup);
        }
        return new WorkerSpec.Params(duration, warmup, window, 0, size, 0, heartbeat, 0, drainTimeout, true, true,
                0, connectWarmup);
    }

    @Override
    double totalRate() {
        return rate;
    }

    @Override
    int timeoutSec() {
        // Connecting (bounded per worker, Runner.CONNECT_CAP_SEC), the barriers, conversations and sync, the hold.
        return Runner.CONNECT_CAP_SEC + 300 + 240 + warmup + duration + drainTimeout + 180 + 90;
    }

    @Override
    void beforeRun(BenchCommand.Server server, Coordinator co) throws InterruptedException {
        ServerProbe probe = server.probe;
        CpuWindow connecting = new CpuWindow(server);
        connectCpu = connecting;
        co.onPhase("connecting", connecting::start);
        if (server.cluster != null) {
            cluster = server.cluster.probe();
            serversBefore = cluster.servers(true);
        }
        before = probe.memory(cluster == null);
        if (cluster == null) {
            classesBefore = probe.classHistogram();
        }
        // Runs before the workers are released from the "holding" barrier (Coordinator): the
        // measurements (full GCs) are over before the hold, and before any message is sent.
        co.onPhase("holding", () -> {
            connecting.end(); // before the full GCs below
            try {
                ClusterProbe c = cluster;
                if (c != null) {
                    serversHolding = c.servers(true);
                }
                after = probe.memory(c == null);
                if (c == null) {
                    // A class histogram costs another full GC and jcmd per server; one server's is enough.
                    classesAfter = probe.classHistogram();
                }
                openFiles = probe.openFiles();
                pongsAtHoldStart = co.counters().getOrDefault("pongs", 0L);
                replyBucketsAtHoldStart = probe.heartbeatReplyBuckets();
                holdStartNanos = System.nanoTime();
                cpuHoldStart = probe.cpuSeconds();
                loadAtHoldStart = ClusterProbe.loadAverage();
                if (c != null) {
                    processesAtHoldStart = c.processes();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        co.onPhase("closing", () -> {
            holdEndNanos = System.nanoTime();
            cpuHoldEnd = probe.cpuSeconds();
            pongsAtHoldEnd = co.counters().getOrDefault("pongs", 0L);
            try {
                replyBucketsAtHoldEnd = probe.heartbeatReplyBuckets();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loadAtHoldEnd = ClusterProbe.loadAverage();
            ClusterProbe c = cluster;
            if (c != null) {
                processesAtHoldEnd = c.processes();
            }
        });
    }

    /** Per chat server: connections, memory before and while holding; CPU of every process over the hold. */
    private void clusterRows(Report r, double holdSeconds) {
        if (serversHolding.isEmpty()) {
            return;
        }
        List<Map<String, Object>> json = new ArrayList<>();
        r.row("per chat server", "connections (server gauge) | heap, direct, RSS after full GC, holding (before the run) | open files", null, null);
        for (ClusterProbe.ServerSample s : serversHolding) {
            ClusterProbe.ServerSample b = serversBefore.stream().filter(x -> x.name().equals(s.name())).findFirst().orElse(null);
            ServerProbe.Memory m = s.memory();
            ServerProbe.Memory mb = b == null ? null : b.memory();
            r.row("", String.format("%s: %,d conns | heap %s (%s), direct %s (%s), RSS %s (%s) | %,d files", s.name(),
                    s.connections(), Report.mib(m.heapBytes()), mb == null ? "?" : Report.mib(mb.heapBytes()),
                    Report.mib(Math.max(m.directBytes(), m.nettyDirectBytes())),
                    mb == null ? "?" : Report.mib(Math.max(mb.directBytes(), mb.nettyDirectBytes())),
                    Report.mib(m.rssBytes()), mb == null ? "?" : Report.mib(mb.rssBytes()), s.openFiles()), null, null);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("server", s.name());
            j.put("connections", s.connections());
            j.put("holding", m);
            j.put("before", mb);
            j.put("openFiles", s.openFiles());
            json.add(j);
        }
        r.put("perServer", json);
        Map<String, Double> cpu = ClusterProbe.cpuPercent(processesAtHoldStart, processesAtHoldEnd, holdSeconds);
        if (!cpu.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            cpu.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%s %.0f%%", k, v)));
            r.row("CPU while holding", sb + String.format(" of one core over %.0f s", holdSeconds), "cpuPercentWhileHolding", cpu);
            Map<String, Long> rss = new LinkedHashMap<>();
            processesAtHoldEnd.forEach(p -> rss.put(p.name(), p.rssBytes()));
            StringBuilder sr = new StringBuilder();
            rss.forEach((k, v) -> sr.append(sr.length() == 0 ? "" : ", ").append(k).append(' ').append(Report.mib(v)));
            r.row("RSS at the end", sr.toString(), "rssAtHoldEnd", rss);
        }
        r.row("load average", String.format("%.2f at the start of the hold, %.2f at its end (1 min; the machine is shared)",
                loadAtHoldStart, loadAtHoldEnd), "loadAverage", List.of(loadAtHoldStart, loadAtHoldEnd));
    }

    @Override
    void report(Report r, BenchCommand.Server server, Coordinator co, List<WorkerEvent> results, Verification v) {
        long open = sum(results, Runner.CONNECTED);
        long failed = sum(results, Runner.FAILED);
        long lost = sum(results, Runner.LOST);
        r.row("connections", String.format("%,d requested, %,d authenticated, %,d failed, %,d lost while idle",
                connections, open, failed, lost), "connections", connections);
        r.put("connected", open).put("failed", failed).put("lost", lost);
        long start = results.stream().mapToLong(e -> e.counters().getOrDefault("connectStartMs", Long.MAX_VALUE)).min().orElse(0);
        long end = results.stream().mapToLong(e -> e.counters().getOrDefault("connectEndMs", 0L)).max().orElse(0);
        double secs = Math.max(1, end - start) / 1000.0;
        long timed = open - sum(results, "primers");
        double rate = timed / secs;
        String untimed = connectWarmup > 0 ? String.format("after %,d warm-up connects and one untimed connect per worker",
                connectWarmup) : "after one untimed connect per worker";
        r.row("connect rate", String.format("%,.0f authenticated connects/s (%,d in %.2f s, %s); %s", rate, timed, secs,
                untimed, ScenarioRows.target(rate >= 10_000, "≥ 10,000/s")), "connectsPerSec", Math.round(rate));
        r.put("connectWarmup", connectWarmup);
        r.latency("connect latency", "connectLatency", hist(co, "connect"));
        CpuWindow.Usage connectUsage = connectCpu == null ? null : connectCpu.usage();
        if (connectUsage != null && open > 0) {
            CpuWindow.row(r, "CPU while connecting", connectUsage, open / connectUsage.seconds(), "connect",
                    "from the first connect until all were open", "connect");
        }
        ServerProbe.Memory b = before;
        ServerProbe.Memory a = after;
        // In scale-out mode these rows are the first chat server's, which holds only its share.
        long onServer = server.cluster != null && !serversHolding.isEmpty() ? serversHolding.get(0).connections() : open;
        if (b != null && a != null) {
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("before", b);
            mem.put("after", a);
            if (server.cluster != null) {
                r.row("first chat server", String.format("%,d of the connections; the rows below are its own", onServer), null, null);
            }
            r.row("server heap", Report.mib(b.heapBytes()) + " → " + Report.mib(a.heapBytes()) + " (after full GC)",
                    null, null);
            r.row("server direct", Report.mib(Math.max(b.directBytes(), b.nettyDirectBytes())) + " → "
                    + Report.mib(Math.max(a.directBytes(), a.nettyDirectBytes())), null, null);
            r.row("server RSS", Report.mib(b.rssBytes()) + " → " + Report.mib(a.rssBytes()), null, null);
            if (onServer > 0 && a.heapPlusDirect() >= 0 && b.heapPlusDirect() >= 0) {
                double per = (a.heapPlusDirect() - b.heapPlusDirect()) / (double) onServer;
                mem.put("heapPlusDirectPerConnectionBytes", Math.round(per));
                r.row("heap+direct / conn", Report.kib(per) + "; " + ScenarioRows.target(per <= 2048, "≤ 2 KiB"), null, null);
            }
            if (onServer > 0 && a.rssBytes() > 0 && b.rssBytes() > 0) {
                double per = (a.rssBytes() - b.rssBytes()) / (double) onServer;
                mem.put("rssPerConnectionBytes", Math.round(per));
                r.row("RSS / conn", Report.kib(per), null, null);
            }
            if (onServer > 0 && !classesAfter.isEmpty()) {
                Map<String, Object> byClass = new LinkedHashMap<>();
                r.row("heap / conn by class", "live bytes (and objects) added per connection, largest first:", null, null);
                for (Map.Entry<String, long[]> e : ServerProbe.growth(classesBefore, classesAfter, 12)) {
                    double bytes = e.getValue()[1] / (double) onServer;
                    double objects = e.getValue()[0] / (double) onServer;
                    byClass.put(e.getKey(), Math.round(bytes));
                    r.row("", String.format("%8.0f B  %6.2f  %s", bytes, objects, e.getKey()), null, null);
                }
                mem.put("heapBytesPerConnectionByClass", byClass);
            }
            mem.put("serverOpenFiles", openFiles);
            r.put("memory", mem);
            if (openFiles > 0) {
                r.row("server open files", String.format("%,d", openFiles), null, null);
            }
        } else {
            r.row("server memory", "not measured (the connections were not all holding at the same time)", null, null);
        }
        long hb = results.stream().mapToLong(e -> e.counters().getOrDefault("heartbeatSec", 0L)).max().orElse(0);
        long pongs = sum(results, "pongs");
        r.row("heartbeats", String.format("a ping every %d s per connection; %,d pings, %,d pongs", hb,
                sum(results, "pings"), pongs), "heartbeatSec", hb);
        r.put("pongs", pongs);
        r.latency("pong latency", "pongLatency", hist(co, "pong"));
        double[] served = ServerProbe.percentilesBetween(replyBucketsAtHoldStart, replyBucketsAtHoldEnd);
        if (served != null) {
            // The server's own share of the same round trips, so a slow load generator shows as one.
            r.row("server pong time", String.format("p50 ≤ %s  p99 ≤ %s  p99.9 ≤ %s ms (%,d pongs while holding; read of the"
                    + " ping to flush of the pong, bucket bounds of parley_ws_heartbeat_reply_seconds)",
                    bound(served[1]), bound(served[2]), bound(served[3]), (long) served[0]),
                    "serverPongP99Seconds", served[2]);
        }
        if (cpuHoldStart >= 0 && cpuHoldEnd >= 0 && holdEndNanos > holdStartNanos) {
            double wall = (holdEndNanos - holdStartNanos) / 1e9;
            double cpu = cpuHoldEnd - cpuHoldStart;
            long beats = pongsAtHoldEnd - pongsAtHoldStart;
            if (server.cluster != null && open > 0) {
                beats = Math.round(beats * (double) onServer / open); // the first server's share
            }
            r.row(server.cluster != null ? "first server CPU" : "server CPU idle",
                    String.format("%.1f%% of one core over %.1f s of holding (%,d heartbeats: %s µs CPU each)",
                    100 * cpu / wall, wall, beats, beats > 0 ? String.format("%.1f", cpu * 1e6 / beats) : "n/a"),
                    "serverCpuCoresWhileHolding", cpu / wall);
        }
        if (holdEndNanos > holdStartNanos) {
            clusterRows(r, (holdEndNanos - holdStartNanos) / 1e9);
        }
        if (pairs > 0) {
            r.row("talking", String.format("%,d pairs across servers at %,.0f msg/s offered (%d-byte bodies, %d s measured after %d s warm-up) while %,d connections idle",
                    pairs, this.rate, size, duration, warmup, idleConnections()), "pairs", pairs);
            r.put("offeredPerSec", this.rate).put("bodyBytes", size).put("durationSec", duration).put("warmupSec", warmup);
            ScenarioRows.messagingRows(r, results, duration);
            r.latency("latency", "latency", hist(co, "latency"));
            long behind = sum(results, "windowFull");
            if (behind > 0) {
                r.row("window full", String.format("%,d ticks a sender could not send what was due (window %d)",
                        behind, window), "windowFullTicks", behind);
            }
        }
        if (failed > 0) {
            r.fail(String.format("%,d connections failed", failed));
        }
        if (lost > 0) {
            r.fail(String.format("%,d connections were lost while idle", lost));
        }
    }

    private static String bound(double seconds) {
        return Double.isInfinite(seconds) ? "∞" : String.format("%.3f", seconds * 1000);
    }
}
