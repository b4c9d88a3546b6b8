package dev.parley.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Looks at the server from outside: heap and direct memory from its Prometheus {@code /metrics}
 * (on the server's admin listener),
 * resident memory and CPU time from {@code /proc/<pid>} when the pid is known, and a full GC
 * through {@code jcmd <pid> GC.run} so that heap figures compare live data, not garbage.
 */
final class ServerProbe {
    /**
     * Server memory at one moment; -1 where unknown.
     *
     * @param heapBytes        used heap, summed over the heap pools
     * @param directBytes      the JVM's direct buffer pool
     * @param nettyDirectBytes direct memory Netty reports using, when the server exports it
     * @param rssBytes         resident set size of the process
     */
    record Memory(long heapBytes, long directBytes, long nettyDirectBytes, long rssBytes) {
        /** Heap plus direct memory (Netty's figure when larger than the JVM's pool). */
        long heapPlusDirect() {
            if (heapBytes < 0) {
                return -1;
            }
            return heapBytes + Math.max(0, Math.max(directBytes, nettyDirectBytes));
        }
    }

    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private final URI base;
    private final long pid;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param base the server's admin listener ({@code /metrics}), or null when unknown
     * @param pid  the server's process id, or -1 when unknown (then only /metrics is read)
     */
    ServerProbe(URI base, long pid) {
        this.base = base;
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    /** Runs a full GC in the server when possible; true when it did. */
    boolean gc() {
        if (pid <= 0) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Live objects by class ({@code jcmd <pid> GC.class_histogram}, which runs a full GC first):
     * class name to {instances, bytes}; empty when the pid is unknown or jcmd fails.
     */
    Map<String, long[]> classHistogram() {
        Map<String, long[]> out = new HashMap<>();
        if (pid <= 0) {
            return out;
        }
        try {
            Process p = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
                    .start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 4 && f[0].endsWith(":")) {
                        try {
                            out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                        } catch (NumberFormatException e) {
                            // a header or total line
                        }
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /**
     * The classes whose live bytes grew most between two {@link #classHistogram}s: class to
     * {instances, bytes} added.
     */
    static List<Map.Entry<String, long[]>> growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
        List<Map.Entry<String, long[]>> d = new ArrayList<>();
        after.forEach((k, a) -> {
            long[] b = before.getOrDefault(k, new long[2]);
            d.add(Map.entry(k, new long[] {a[0] - b[0], a[1] - b[1]}));
        });
        d.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        return d.subList(0, Math.min(top, d.size()));
    }

    private static String jcmd() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
    }

    /** Memory now; after a GC when {@code gcFirst} (and a short settle). */
    Memory memory(boolean gcFirst) throws InterruptedException {
        if (gcFirst && gc()) {
            Thread.sleep(500);
        }
        String text = metricsText();
        if (text == null) {
            return new Memory(-1, -1, -1, rssBytes());
        }
        long[] m = parseMetrics(text);
        return new Memory(m[0], m[1], m[2], rssBytes());
    }

    /** The server's {@code /metrics} page, or null when unknown or unavailable. */
    private String metricsText() throws InterruptedException {
        if (base == null) {
            return null;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Sums heap pools, the direct buffer pool and Netty's direct memory from a Prometheus text page. */
    static long[] parseMetrics(String text) {
        long heap = -1;
        long direct = -1;
        long netty = -1;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            if (sp < 0) {
                continue;
            }
            String key = line.substring(0, sp);
            double value;
            try {
                value = Double.parseDouble(line.substring(sp + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            int brace = key.indexOf('{');
            String name = brace < 0 ? key : key.substring(0, brace);
            String labels = brace < 0 ? "" : key.substring(brace);
            if (name.equals("jvm_memory_used_bytes") && labels.contains("area=\"heap\"")) {
                heap = Math.max(0, heap) + (long) value;
            } else if (name.equals("jvm_buffer_memory_used_bytes") && labels.contains("id=\"direct\"")) {
                direct = (long) value;
            } else if (name.contains("netty") && name.contains("direct") && (name.contains("used") || name.contains("memory"))) {
                netty = Math.max(0, netty) + (long) value;
            }
        }
        return new long[] {heap, direct, netty};
    }

    /** The Prometheus histogram the server keeps of its pong replies (ping read to pong flushed). */
    static final String HEARTBEAT_REPLY = "parley_ws_heartbeat_reply_seconds_bucket";

    /**
     * The cumulative buckets of the server's heartbeat reply histogram: upper bound in seconds
     * (the last one infinite) to the count of replies at or below it; empty when unknown.
     */
    NavigableMap<Double, Long> heartbeatReplyBuckets() throws InterruptedException {
        String text = metricsText();
        return text == null ? new TreeMap<>() : parseBuckets(text, HEARTBEAT_REPLY);
    }

    /** The buckets ({@code le} to cumulative count) of histogram series {@code bucketName}. */
    static NavigableMap<Double, Long> parseBuckets(String text, String bucketName) {
        NavigableMap<Double, Long> buckets = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith(bucketName + "{")) {
                continue;
            }
            int le = line.indexOf("le=\"");
            int sp = line.lastIndexOf(' ');
            if (le < 0 || sp < 0) {
                continue;
            }
            String bound = line.substring(le + 4, line.indexOf('"', le + 4));
            try {
                double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                buckets.merge(upper, (long) Double.parseDouble(line.substring(sp + 1).trim()), Long::sum);
            } catch (NumberFormatException e) {
                // not a bucket line after all
            }
        }
        return buckets;
    }

    /**
     * Percentiles of what was recorded between two readings of a histogram, each as the upper
     * bound of the bucket it falls in (seconds; infinite past the last bound): {@code
     * [count, p50, p99, p99.9]}, or null when nothing was recorded.
     */
    static double[] percentilesBetween(NavigableMap<Double, Long> before, NavigableMap<Double, Long> after) {
        long total = after.isEmpty() ? 0 : after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0L);
        if (total <= 0) {
            return null;
        }
        double[] quantiles = {0.5, 0.99, 0.999};
        double[] result = new double[quantiles.length + 1];
        result[0] = total;
        for (int q = 0; q < quantiles.length; q++) {
            long rank = (long) Math.ceil(quantiles[q] * total);
            for (var e : after.entrySet()) {
                if (e.getValue() - before.getOrDefault(e.getKey(), 0L) >= rank) {
                    result[q + 1] = e.getKey();
                    break;
                }
            }
        }
        return result;
    }

    /** Resident set size from /proc, or -1. */
    long rssBytes() {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time (user + system) the server process has used, in seconds, or -1. */
    double cpuSeconds() {
        return cpuSeconds(pid);
    }

    /** CPU time (user + system) process {@code pid} has used, in seconds, or -1. */
    static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            List<String> f = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
            return (Long.parseLong(f.get(11)) + Long.parseLong(f.get(12))) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Open file descriptors of the server process (its sockets included), or -1. */
    long openFiles() {
        if (pid <= 0) {
            return -1;
        }
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
