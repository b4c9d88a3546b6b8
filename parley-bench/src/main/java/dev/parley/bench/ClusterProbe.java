package dev.parley.bench;

import dev.parley.devservices.Service;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Looks at every process of a scale-out run this bench started: per chat server its open
 * WebSocket connections (the server's {@code parley_ws_connections} gauge), heap and direct
 * memory after a full GC, RSS, open files and CPU; CPU and RSS of Cassandra, Kafka and Redis (from
 * the dev services' pid files); and the machine's load average.
 */
final class ClusterProbe {
    /** One chat server at one moment; -1 where unknown. */
    record ServerSample(String name, long connections, ServerProbe.Memory memory, long openFiles, double cpuSeconds) {
    }

    /** A process at one moment: CPU seconds so far and RSS; -1 where unknown. */
    record ProcessSample(String name, long pid, double cpuSeconds, long rssBytes) {
    }

    private final List<String> names;
    private final List<URI> bases;
    private final List<ServerProbe> servers = new ArrayList<>();
    private final Map<String, Long> services;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param names    the chat servers' names, in order
     * @param bases    their admin listeners' base URIs ({@code /metrics}); an element may be null (unknown)
     * @param pids     their process ids
     * @param services other processes by name (Cassandra, Kafka, Redis) to their pid
     */
    ClusterProbe(List<String> names, List<URI> bases, List<Long> pids, Map<String, Long> services) {
        this.names = List.copyOf(names);
        this.bases = new ArrayList<>(bases); // may hold nulls
        for (int i = 0; i < bases.size(); i++) {
            servers.add(new ServerProbe(bases.get(i), pids.get(i)));
        }
        this.services = new LinkedHashMap<>(services);
    }

    /** The pids of the dev services in {@code servicesDir} ({@code <service>.pid} files), by service name. */
    static Map<String, Long> servicePids(Path servicesDir) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Service s : Service.values()) {
            Path f = servicesDir.resolve(s.id() + ".pid");
            try {
                out.put(s.id(), Long.parseLong(Files.readString(f).trim()));
            } catch (IOException | NumberFormatException e) {
                // not started, or another layout: left out of the report
            }
        }
        return out;
    }

    /** Every chat server now, with a full GC first when {@code gcFirst}. */
    List<ServerSample> servers(boolean gcFirst) throws InterruptedException {
        List<ServerSample> out = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            ServerProbe p = servers.get(i);
            ServerProbe.Memory m = p.memory(gcFirst);
            out.add(new ServerSample(names.get(i), connections(bases.get(i)), m, p.openFiles(), p.cpuSeconds()));
        }
        return out;
    }

    /** CPU time and RSS of the chat servers and the services now. */
    List<ProcessSample> processes() {
        List<ProcessSample> out = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            ServerProbe p = servers.get(i);
            out.add(new ProcessSample(names.get(i), p.pid(), p.cpuSeconds(), p.rssBytes()));
        }
        services.forEach((name, pid) -> {
            ServerProbe p = new ServerProbe(URI.create("http://127.0.0.1"), pid);
            out.add(new ProcessSample(name, pid, p.cpuSeconds(), p.rssBytes()));
        });
        return out;
    }

    /** The 1-minute load average, or -1. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long connections(URI base) {
        if (base == null) {
            return -1;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? gauge(r.body(), "parley_ws_connections") : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The value of the unlabelled (or first) sample of {@code name} in a Prometheus text page, or -1. */
    static long gauge(String page, String name) {
        for (String line : page.split("\n")) {
            if (line.startsWith(name) && (line.length() > name.length())
                    && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{')) {
                try {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * CPU use of each process between two samples, as a share of one core over {@code seconds}:
     * process name to percent.
     */
    static Map<String, Double> cpuPercent(List<ProcessSample> from, List<ProcessSample> to, double seconds) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ProcessSample a : from) {
            for (ProcessSample b : to) {
                if (a.name().equals(b.name()) && a.cpuSeconds() >= 0 && b.cpuSeconds() >= 0 && seconds > 0) {
                    out.put(a.name(), 100 * (b.cpuSeconds() - a.cpuSeconds()) / seconds);
                }
            }
        }
        return out;
    }
}
