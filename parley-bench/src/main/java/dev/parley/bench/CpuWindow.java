package dev.parley.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CPU time the server side and the load generator spent over a window of the run, from
 * {@code /proc}: what a delivered message costs each of them. Rates on a shared two-core machine
 * move with the neighbours' load; CPU per message moves much less, so it is the figure to compare
 * across runs and to scale to another machine.
 *
 * <p>The server side is the server process (or, in scale-out mode, every chat server and the
 * Cassandra, Kafka and Redis processes); the load generator is this JVM and its worker processes
 * (its child processes that are not part of the server side).
 */
final class CpuWindow {
    /** CPU seconds of each process by name at one moment. */
    record Sample(long nanos, Map<String, Double> server, double bench) {
    }

    /** CPU used over the window: cores (CPU seconds per second) of each server-side process and of the bench. */
    record Usage(double seconds, Map<String, Double> serverCores, double benchCores) {
        double serverTotalCores() {
            return serverCores.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** When the window opened and closed, on the wall clock (JFR's): to profile that span only. */
    record Span(Instant from, Instant to) {
    }

    private final BenchCommand.Server server;
    private volatile Sample start;
    private volatile Sample end;
    private volatile Instant startedAt;
    private volatile Instant endedAt;

    CpuWindow(BenchCommand.Server server) {
        this.server = server;
    }

    void start() {
        startedAt = Instant.now();
        start = sample();
    }

    void end() {
        end = sample();
        endedAt = Instant.now();
    }

    /** The window on the wall clock, or null when it did not both open and close. */
    Span span() {
        Instant from = startedAt;
        Instant to = endedAt;
        return from == null || to == null ? null : new Span(from, to);
    }

    /** The usage over the window, or null when it was not sampled at both ends or the server is not ours to read. */
    Usage usage() {
        Sample a = start;
        Sample b = end;
        if (a == null || b == null || b.nanos() <= a.nanos() || a.server().isEmpty() || a.bench() < 0) {
            return null;
        }
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        a.server().forEach((name, cpu) -> {
            Double later = b.server().get(name);
            if (later != null) {
                cores.put(name, (later - cpu) / seconds);
            }
        });
        return new Usage(seconds, cores, (b.bench() - a.bench()) / seconds);
    }

    private Sample sample() {
        long now = System.nanoTime();
        Map<String, Double> serverSide = new LinkedHashMap<>();
        List<Long> serverPids = new ArrayList<>();
        if (server.cluster != null) {
            for (ClusterProbe.ProcessSample p : server.cluster.probe().processes()) {
                if (p.cpuSeconds() >= 0) {
                    serverSide.put(p.name(), p.cpuSeconds());
                    serverPids.add(p.pid());
                }
            }
        } else if (server.probe.pid() > 0) {
            double cpu = server.probe.cpuSeconds();
            if (cpu >= 0) {
                serverSide.put("server", cpu);
                serverPids.add(server.probe.pid());
            }
        }
        return new Sample(now, serverSide, benchCpuSeconds(Set.copyOf(serverPids)));
    }

    /** This JVM and its child processes other than {@code serverPids}, or -1 when /proc cannot be read. */
    private static double benchCpuSeconds(Set<Long> serverPids) {
        double own = ServerProbe.cpuSeconds(ProcessHandle.current().pid());
        if (own < 0) {
            return -1;
        }
        Set<Long> workers = ProcessHandle.current().children().map(ProcessHandle::pid)
                .filter(pid -> !serverPids.contains(pid)).collect(Collectors.toSet());
        double total = own;
        for (long pid : workers) {
            total += Math.max(0, ServerProbe.cpuSeconds(pid));
        }
        return total;
    }

    /** The report's row: cores and CPU per delivered message, server side and load generator. */
    static void row(Report r, Usage u, double deliveredPerSec) {
        row(r, "CPU", u, deliveredPerSec, "delivered message", "measured", "");
    }

    /**
     * A row of the CPU over a window: cores of the server side (per process in scale-out mode) and
     * of the load generator, and each one's CPU per {@code unit} at {@code perSec} units per second.
     * JSON keys start with {@code keyPrefix} ("" or e.g. "connect": serverCpuCores, connectServerCpuCores).
     */
    static void row(Report r, String label, Usage u, double perSec, String unit, String window, String keyPrefix) {
        if (u == null) {
            r.row(label, "not measured (the server's pid is unknown: give --server-pid)", null, null);
            return;
        }
        double server = u.serverTotalCores();
        StringBuilder sb = new StringBuilder(String.format("server %.2f cores", server));
        if (u.serverCores().size() > 1) {
            sb.append(u.serverCores().entrySet().stream()
                    .map(e -> String.format("%s %.2f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", ", " (", ")")));
        }
        if (perSec > 0) {
            sb.append(String.format(", %.0f µs per %s", server * 1e6 / perSec, unit));
        }
        sb.append(String.format("; load generator %.2f cores", u.benchCores()));
        if (perSec > 0) {
            sb.append(String.format(", %.0f µs per %s", u.benchCores() * 1e6 / perSec, unit));
        }
        sb.append(String.format(" (over the %.1f s %s)", u.seconds(), window));
        String k = keyPrefix;
        r.row(label, sb.toString(), key(k, "serverCpuCores"), server);
        r.put(key(k, "serverCpuMicros" + (k.isEmpty() ? "PerMessage" : "Each")), perSec > 0 ? server * 1e6 / perSec : null);
        r.put(key(k, "benchCpuCores"), u.benchCores());
        r.put(key(k, "benchCpuMicros" + (k.isEmpty() ? "PerMessage" : "Each")), perSec > 0 ? u.benchCores() * 1e6 / perSec : null);
        r.put(key(k, "serverCpuCoresByProcess"), u.serverCores());
    }

    private static String key(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
