package dev.parley.devservices;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code up | down | status [--dir DIR]}: a local Redis, Kafka and Cassandra for trying Parley's
 * scale-out mode. {@code up} starts them in the background (they outlive this command; their pids
 * are in DIR/*.pid), prints the endpoints and how to point Parley at them, and exits;
 * {@code down} stops them (SIGTERM, then SIGKILL); {@code status} says which run.
 * DIR defaults to {@code .parley/dev-services}; the ports are those of the previous {@code up} in DIR,
 * else {@link DevServices.Ports#defaults()}, unless {@code --ports} says otherwise.
 */
public final class DevServicesMain {
    static final String DEFAULT_DIR = ".parley/dev-services";
    private static final Map<Service, Duration> STOP_TIMEOUT = new EnumMap<>(Map.of(
            Service.REDIS, Duration.ofSeconds(10), Service.KAFKA, Duration.ofSeconds(30),
            Service.CASSANDRA, Duration.ofSeconds(45)));

    private DevServicesMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("help", "-h", "--help").contains(args[0])) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        Path dir = Path.of(DEFAULT_DIR);
        Set<Service> services = EnumSet.allOf(Service.class);
        DevServices.Ports ports = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> {
                    if (++i >= args.length) {
                        err.println("dev-services: --dir needs a folder");
                        return 2;
                    }
                    dir = Path.of(args[i]);
                }
                case "--ports" -> {
                    if (++i >= args.length) {
                        err.println("dev-services: --ports needs redis,kafka,kafkaController,cassandraCql,cassandraStorage");
                        return 2;
                    }
                    try {
                        ports = DevServices.Ports.parse(args[i]);
                    } catch (IllegalArgumentException e) {
                        err.println("dev-services: " + e.getMessage());
                        return 2;
                    }
                }
                case "--only" -> {
                    if (++i >= args.length) {
                        err.println("dev-services: --only needs a list such as redis,kafka");
                        return 2;
                    }
                    services = EnumSet.noneOf(Service.class);
                    for (String s : args[i].split(",")) {
                        try {
                            services.add(Service.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            err.println("dev-services: unknown service \"" + s + "\" (redis, kafka, cassandra)");
                            return 2;
                        }
                    }
                }
                default -> {
                    err.println("dev-services: unknown option " + args[i]);
                    usage(err);
                    return 2;
                }
            }
        }
        dir = dir.toAbsolutePath().normalize();
        return switch (args[0]) {
            case "up" -> up(dir, services, ports, out, err);
            case "down" -> down(dir, services, out);
            case "status" -> status(dir, out);
            default -> {
                err.println("dev-services: unknown command " + args[0]);
                usage(err);
                yield 2;
            }
        };
    }

    private static void usage(PrintStream out) {
        out.println("""
                usage: dev-services up|down|status [--dir DIR] [--only redis,kafka,cassandra] [--ports R,K,KC,CQL,ST]
                  up      start a local Redis, Kafka (KRaft) and Cassandra on 127.0.0.1 in the background
                          and print how to point Parley at them; data stays in DIR between runs
                  down    stop them (SIGTERM; SIGKILL after 10/30/45 s)
                  status  show which are running
                  DIR defaults to %s (relative to the current folder)
                  --ports  Redis, Kafka, Kafka controller, Cassandra CQL and Cassandra storage ports; default: those
                           of the previous "up" in DIR, else 16379,19092,19093,19042,17000""".formatted(DEFAULT_DIR));
    }

    private static int up(Path dir, Set<Service> wanted, DevServices.Ports given, PrintStream out, PrintStream err) {
        Optional<DevServices.Ports> previous = previousPorts(dir);
        DevServices.Ports ports = given != null ? given : previous.orElse(DevServices.Ports.defaults());
        if (given != null && previous.isPresent() && !given.equals(previous.get()) && anyRunning(dir)) {
            err.println("dev-services: services in " + dir + " already run on other ports (" + previous.get()
                    + "); run down first");
            return 1;
        }
        EnumSet<Service> toStart = EnumSet.noneOf(Service.class);
        for (Service s : wanted) {
            Optional<ProcessHandle> h = ServiceProcess.findRunning(dir, s);
            if (h.isPresent()) {
                out.printf("%-9s already running (pid %d)%n", s.id(), h.get().pid());
            } else {
                toStart.add(s);
            }
        }
        if (!toStart.isEmpty()) {
            out.println("starting " + names(toStart) + " in " + dir + " ...");
            long t0 = System.nanoTime();
            DevServices ds;
            try {
                ds = DevServices.launch(dir, toStart, ports, true);
            } catch (DevServicesException e) {
                err.println("dev-services: " + e.getMessage());
                return 1;
            }
            for (Service s : toStart) {
                out.printf("%-9s ready in %.1f s (pid %s, log %s)%n", s.id(), ds.startupTime(s).toMillis() / 1000.0,
                        ServiceProcess.findRunning(dir, s).map(h -> Long.toString(h.pid())).orElse("?"),
                        ds.logFile(s));
            }
            out.printf("all ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        out.println();
        out.print(endpoints(ports));
        out.println();
        out.print(configSnippet(ports));
        out.println();
        out.println("Stop them with: ./parley dev-services down" + (dir.equals(Path.of(DEFAULT_DIR).toAbsolutePath().normalize()) ? "" : " --dir " + dir));
        return 0;
    }

    /** The ports of an earlier {@code up} in this folder: the same again, so data and configs agree. */
    private static Optional<DevServices.Ports> previousPorts(Path dir) {
        String p = readEndpoints(dir).getProperty("ports");
        if (p == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(DevServices.Ports.parse(p));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean anyRunning(Path dir) {
        for (Service s : Service.values()) {
            if (ServiceProcess.findRunning(dir, s).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static Properties readEndpoints(Path dir) {
        Properties endpoints = new Properties();
        Path file = dir.resolve(DevServices.ENDPOINTS_FILE);
        if (Files.isRegularFile(file)) {
            try (var in = Files.newBufferedReader(file)) {
                endpoints.load(in);
            } catch (IOException e) {
                // as if there were none
            }
        }
        return endpoints;
    }

    static String endpoints(DevServices.Ports p) {
        return """
                Redis      redis://127.0.0.1:%d
                Kafka      127.0.0.1:%d   (bootstrap servers)
                Cassandra  127.0.0.1:%d   (contact point, local datacenter datacenter1)
                """.formatted(p.redis(), p.kafka(), p.cassandraCql());
    }

    /** How to point Parley's scale-out mode at these services (keys as in docs/CONFIGURATION.md). */
    static String configSnippet(DevServices.Ports p) {
        return """
                Point Parley at them (scale-out mode) in your config file:
                  store:
                    type: cassandra
                    cassandra:
                      contactPoints: 127.0.0.1:%3$d
                      localDatacenter: datacenter1
                  router:
                    type: kafka
                    kafka:
                      bootstrapServers: 127.0.0.1:%2$d
                  presence:
                    type: redis
                    redis:
                      uri: redis://127.0.0.1:%1$d
                """.formatted(p.redis(), p.kafka(), p.cassandraCql());
    }

    private static int down(Path dir, Set<Service> wanted, PrintStream out) {
        List<CompletableFuture<String>> stops = new ArrayList<>();
        for (Service s : wanted) {
            stops.add(CompletableFuture.supplyAsync(() -> stopOne(dir, s)));
        }
        for (CompletableFuture<String> f : stops) {
            out.println(f.join());
        }
        return 0;
    }

    private static String stopOne(Path dir, Service s) {
        Path pidFile = ServiceProcess.pidFile(dir, s);
        Optional<ProcessHandle> h = ServiceProcess.findRunning(dir, s);
        if (h.isEmpty()) {
            boolean stale = Files.exists(pidFile);
            deleteQuietly(pidFile);
            return String.format("%-9s was not running%s", s.id(), stale ? " (removed a stale pid file)" : "");
        }
        ProcessHandle p = h.get();
        long t0 = System.nanoTime();
        p.destroy();
        String how = "stopped";
        if (!ServiceProcess.await(p, STOP_TIMEOUT.get(s))) {
            p.destroyForcibly();
            ServiceProcess.await(p, Duration.ofSeconds(10));
            how = "killed (SIGTERM took too long)";
        }
        deleteQuietly(pidFile);
        return String.format("%-9s %s (pid %d) in %.1f s", s.id(), how, p.pid(), (System.nanoTime() - t0) / 1e9);
    }

    private static int status(Path dir, PrintStream out) {
        Properties endpoints = readEndpoints(dir);
        int running = 0;
        for (Service s : Service.values()) {
            Optional<ProcessHandle> h = ServiceProcess.findRunning(dir, s);
            if (h.isPresent()) {
                running++;
                String where = switch (s) {
                    case REDIS -> endpoints.getProperty("redis.uri", "");
                    case KAFKA -> endpoints.getProperty("kafka.bootstrap", "");
                    case CASSANDRA -> endpoints.getProperty("cassandra.contactPoint", "");
                };
                out.printf("%-9s running  pid %-8d %s%n", s.id(), h.get().pid(), where);
            } else {
                out.printf("%-9s stopped%n", s.id());
            }
        }
        out.println("(" + dir + ")");
        return running == Service.values().length ? 0 : 3;
    }

    private static String names(Set<Service> s) {
        return String.join(", ", s.stream().map(Service::id).toList());
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // nothing to do
        }
    }
}
