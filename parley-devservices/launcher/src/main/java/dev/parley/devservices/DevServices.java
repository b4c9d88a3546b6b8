package dev.parley.devservices;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real Redis, Kafka (KRaft) and Cassandra processes on 127.0.0.1, started by the project itself.
 *
 * <p>Each service runs as a child process: Redis from Debian's {@code redis-server}; Kafka and
 * Cassandra with {@code java -cp parley-devservices/<name>-dist/target/lib/*} (see
 * {@link #findDist(String)}), so none of their classes reach the caller's class path. Everything
 * of a service lives under {@code <workDir>/<service>/} (configuration, data, and its log
 * {@code <service>.log}); its pid is in {@code <workDir>/<service>.pid}. A JVM shutdown hook
 * kill -9s the children if this JVM exits without {@link #close()}.
 *
 * <p>Start-up switches meant for tests and local development are used (Cassandra's test settings,
 * small heaps, C1-only JIT): never point production traffic at these.
 *
 * <p>Thread-safe: methods on different services may run concurrently; calls on one service are
 * serialised.
 *
 * <p>One file for the three services on purpose: each is a few methods (start, wait until it
 * answers, stop, restart, outage) over the same process and port bookkeeping, and side by side
 * they stay alike.
 */
public final class DevServices implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DevServices.class);

    /** System property: a folder from which {@link #findDist(String)} walks up (a checkout of Parley, or its parley-devservices folder). */
    public static final String HOME_PROPERTY = "parley.devservices.home";
    static final String HOME_ENV = "PARLEY_DEVSERVICES_HOME";
    static final String ENDPOINTS_FILE = "endpoints.properties";

    /**
     * Ports on 127.0.0.1.
     *
     * @param redis            Redis
     * @param kafka            Kafka's broker listener (clients' bootstrap)
     * @param kafkaController  Kafka's KRaft controller listener
     * @param cassandraCql     Cassandra's native protocol (CQL) port: the drivers' contact point
     * @param cassandraStorage Cassandra's internode (gossip) port
     */
    public record Ports(int redis, int kafka, int kafkaController, int cassandraCql, int cassandraStorage) {
        public Ports {
            int[] all = {redis, kafka, kafkaController, cassandraCql, cassandraStorage};
            Set<Integer> seen = new HashSet<>();
            for (int p : all) {
                if (p < 1 || p > 65535) {
                    throw new IllegalArgumentException("port " + p + " is not between 1 and 65535");
                }
                if (!seen.add(p)) {
                    throw new IllegalArgumentException("port " + p + " is used twice; every service needs its own");
                }
            }
        }

        /**
         * Parses {@code redis,kafka,kafkaController,cassandraCql,cassandraStorage}, e.g.
         * {@code 16379,19092,19093,19042,17000}.
         */
        public static Ports parse(String text) {
            String[] p = text.split(",");
            if (p.length != 5) {
                throw new IllegalArgumentException("ports must be five numbers: redis,kafka,kafkaController,cassandraCql,cassandraStorage; got \"" + text + "\"");
            }
            try {
                return new Ports(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim()),
                        Integer.parseInt(p[3].trim()), Integer.parseInt(p[4].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ports must be whole numbers: \"" + text + "\"", e);
            }
        }

        /** 16379, 19092, 19093, 19042, 17000: away from the services' usual ports, so a local Redis/Kafka/Cassandra does not clash. */
        public static Ports defaults() {
            return new Ports(16379, 19092, 19093, 19042, 17000);
        }

        /**
         * Five distinct ports that are free now, drawn from 20000–32767 (below Linux's ephemeral
         * range, so outgoing connections do not take them in the meantime).
         */
        public static Ports free() {
            Set<Integer> picked = new LinkedHashSet<>();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int tries = 0;
            while (picked.size() < 5) {
                if (++tries > 1000) {
                    throw new DevServicesException("could not find 5 free ports between 20000 and 32767 on 127.0.0.1");
                }
                int p = 20000 + rnd.nextInt(12768);
                if (!picked.contains(p) && Probes.bindable(p) && !Probes.accepts(p)) {
                    picked.add(p);
                }
            }
            Integer[] p = picked.toArray(new Integer[0]);
            return new Ports(p[0], p[1], p[2], p[3], p[4]);
        }
    }

    private final Path workDir;
    private final Ports ports;
    private final boolean detached;
    private final Map<Service, ServiceProcess> processes = Collections.synchronizedMap(new EnumMap<>(Service.class));
    private final Thread shutdownHook;
    private volatile boolean throwaway;
    private volatile boolean closed;

    private DevServices(Path workDir, Ports ports, boolean detached) {
        this.workDir = workDir;
        this.ports = ports;
        this.detached = detached;
        if (detached) {
            shutdownHook = null;
        } else {
            shutdownHook = new Thread(this::killAllNoWait, "parley-devservices-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /**
     * Starts the services (in parallel) and returns once every one of them is ready: Redis answers
     * PING; Kafka logged {@code Kafka Server started} and accepts connections; Cassandra logged
     * that it listens for CQL clients (or completed start-up) and accepts connections.
     *
     * @param workDir  folder for configuration, data, logs and pid files; created if missing; reusing
     *                 one keeps the data of an earlier run
     * @param services which services to run (not empty)
     * @param ports    ports on 127.0.0.1, e.g. {@link Ports#free()} in tests
     * @throws DevServicesException when a service cannot start; the message carries the last lines
     *                              of its log, and everything already started is stopped again
     */
    public static DevServices start(Path workDir, Set<Service> services, Ports ports) {
        return launch(workDir, services, ports, false);
    }

    /** As {@link #start}, but {@code detached}: no shutdown hook, own session: the processes outlive this JVM. */
    static DevServices launch(Path workDir, Set<Service> services, Ports ports, boolean detached) {
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(ports, "ports");
        if (services == null || services.isEmpty()) {
            throw new IllegalArgumentException("no services requested");
        }
        Path dir = workDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DevServicesException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        DevServices ds = new DevServices(dir, ports, detached);
        try {
            ds.ensureStarted(services);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return ds;
    }

    /** Starts those of {@code services} that this instance does not run yet, in parallel. */
    synchronized void ensureStarted(Set<Service> services) {
        checkOpen();
        EnumSet<Service> missing = EnumSet.noneOf(Service.class);
        for (Service s : services) {
            if (!processes.containsKey(s)) {
                missing.add(s);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        // Specs check their prerequisites (redis-server, built jars, a fitting Java) before anything starts.
        List<ServiceProcess> batch = new ArrayList<>();
        for (Service s : missing) {
            batch.add(new ServiceProcess(spec(s), workDir, detached));
        }
        for (ServiceProcess p : batch) { // all ports first: fail before anything starts
            p.checkPortsFree();
        }
        writeEndpoints();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<?>[] futures = batch.stream().map(p -> CompletableFuture.runAsync(() -> {
            try {
                p.start();
            } catch (RuntimeException | Error e) {
                failures.add(e);
            }
        }, r -> {
            Thread t = new Thread(r, "parley-devservices-start-" + p.service().id());
            t.setDaemon(true);
            t.start();
        })).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(futures).join();
        } catch (CompletionException e) {
            failures.add(e.getCause());
        }
        if (!failures.isEmpty()) {
            parallel(batch, ServiceProcess::kill9);
            Throwable first = failures.get(0);
            for (Throwable other : failures.subList(1, failures.size())) {
                first.addSuppressed(other);
            }
            if (first instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) first;
        }
        for (ServiceProcess p : batch) {
            processes.put(p.service(), p);
        }
    }

    private ServiceSpec spec(Service s) {
        return switch (s) {
            case REDIS -> new RedisSpec(workDir, ports);
            case KAFKA -> new KafkaSpec(workDir, ports);
            case CASSANDRA -> new CassandraSpec(workDir, ports);
        };
    }

    /** Redis URI for Lettuce and friends, e.g. {@code redis://127.0.0.1:16379}. */
    public String redisUri() {
        return "redis://" + Probes.HOST + ":" + ports.redis();
    }

    /** Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:19092}. */
    public String kafkaBootstrap() {
        return Probes.HOST + ":" + ports.kafka();
    }

    /** Cassandra contact point (the CQL port), e.g. {@code 127.0.0.1:19042}. */
    public InetSocketAddress cassandraContactPoint() {
        return new InetSocketAddress(Probes.HOST, ports.cassandraCql());
    }

    /** The local datacenter name the Cassandra driver needs: {@code datacenter1}. */
    public String cassandraLocalDatacenter() {
        return CassandraSpec.DATACENTER;
    }

    public Ports ports() {
        return ports;
    }

    /** Absolute folder holding every service's files. */
    public Path workDir() {
        return workDir;
    }

    /** The services this instance started (running or not). */
    public Set<Service> services() {
        synchronized (processes) {
            return processes.isEmpty() ? EnumSet.noneOf(Service.class) : EnumSet.copyOf(processes.keySet());
        }
    }

    /** The service's log: everything its process printed, across restarts. */
    public Path logFile(Service service) {
        return ServiceProcess.logFile(workDir, service);
    }

    /** How long the service's last start took, from launching the process until ready. */
    public Duration startupTime(Service service) {
        return process(service).lastStartup();
    }

    /** True while the service's process is alive. */
    public boolean isRunning(Service service) {
        ServiceProcess p = processes.get(service);
        return p != null && p.isRunning();
    }

    /** Kills the service's process with SIGKILL (no shutdown of any kind) and waits until it is gone. */
    public void kill9(Service service) {
        process(service).kill9();
    }

    /** Stops the service with SIGTERM and waits (then SIGKILL if it takes too long: 10 s Redis, 30 s Kafka, 45 s Cassandra). */
    public void stop(Service service) {
        process(service).stop();
    }

    /**
     * Starts the service again on the same data and ports, and waits until it is ready; stops it
     * first (SIGTERM) if it is still running.
     */
    public void restart(Service service) {
        checkOpen();
        ServiceProcess p = process(service);
        if (p.isRunning()) {
            p.stop();
        }
        p.start();
    }

    private ServiceProcess process(Service service) {
        ServiceProcess p = processes.get(Objects.requireNonNull(service, "service"));
        if (p == null) {
            throw new IllegalArgumentException(service + " was not started by this DevServices (it runs " + services() + ")");
        }
        return p;
    }

    /** False once {@link #close()} ran: its processes are stopped and its ports may be reused. */
    public boolean isOpen() {
        return !closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("DevServices in " + workDir + " is closed");
        }
    }

    /** Marks the work folder as scratch: {@link #close()} then kill -9s the services and deletes the folder. */
    void throwaway() {
        this.throwaway = true;
    }

    /**
     * Stops every service: SIGTERM and wait, in parallel (kill -9 and delete the folder for a
     * scratch folder made by {@link DevServicesExtension}). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ServiceProcess> all;
        synchronized (processes) {
            all = new ArrayList<>(processes.values());
        }
        parallel(all, throwaway ? ServiceProcess::kill9 : ServiceProcess::stop);
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway; the processes are already gone
            }
        }
        if (throwaway) {
            deleteRecursively(workDir);
        }
    }

    private void killAllNoWait() {
        synchronized (processes) {
            processes.values().forEach(ServiceProcess::kill9NoWait);
        }
    }

    private static void parallel(List<ServiceProcess> ps, Consumer<ServiceProcess> action) {
        CompletableFuture.allOf(ps.stream().map(p -> CompletableFuture.runAsync(() -> {
            try {
                action.accept(p);
            } catch (RuntimeException e) {
                LOG.warn("{}: {}", p.service().id(), e.toString());
            }
        }, r -> {
            Thread t = new Thread(r, "parley-devservices-stop-" + p.service().id());
            t.setDaemon(true);
            t.start();
        })).toArray(CompletableFuture[]::new)).join();
    }

    private void writeEndpoints() {
        Properties p = new Properties();
        p.setProperty("redis.uri", redisUri());
        p.setProperty("kafka.bootstrap", kafkaBootstrap());
        p.setProperty("kafka.controller.port", Integer.toString(ports.kafkaController()));
        p.setProperty("cassandra.contactPoint", Probes.HOST + ":" + ports.cassandraCql());
        p.setProperty("cassandra.localDatacenter", cassandraLocalDatacenter());
        p.setProperty("cassandra.storage.port", Integer.toString(ports.cassandraStorage()));
        p.setProperty("ports", ports.redis() + "," + ports.kafka() + "," + ports.kafkaController() + ","
                + ports.cassandraCql() + "," + ports.cassandraStorage());
        try (var out = Files.newBufferedWriter(workDir.resolve(ENDPOINTS_FILE))) {
            p.store(out, "parley-devservices endpoints (written at start)");
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", workDir.resolve(ENDPOINTS_FILE), e.toString());
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }

    /**
     * Finds {@code parley-devservices/<name>/target/lib} (for example {@code kafka-dist}): walking up
     * from the folder named by the system property {@value #HOME_PROPERTY} (or the environment
     * variable {@code PARLEY_DEVSERVICES_HOME}), then from the current directory, then from where
     * this class was loaded.
     *
     * @throws DevServicesException when it is missing, saying which Maven command builds it
     */
    public static Path findDist(String name) {
        Objects.requireNonNull(name, "name");
        List<Path> starts = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY, System.getenv(HOME_ENV));
        if (home != null && !home.isBlank()) {
            starts.add(Path.of(home));
        }
        starts.add(Path.of(""));
        codeLocation().ifPresent(starts::add);
        for (Path start : starts) {
            for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
                for (Path candidate : List.of(d.resolve("parley-devservices").resolve(name).resolve("target").resolve("lib"),
                        d.resolve(name).resolve("target").resolve("lib"))) {
                    if (hasJars(candidate)) {
                        return candidate;
                    }
                }
            }
        }
        throw DevServicesException.missing("parley-devservices/" + name + "/target/lib was not found (looked above "
                + Path.of("").toAbsolutePath() + (home == null ? "" : " and " + home) + "). Build it from the Parley folder with: "
                + "mvn -pl parley-devservices/" + name + " package   (or point -D" + HOME_PROPERTY + " at the Parley folder)");
    }

    private static boolean hasJars(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".jar"));
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Path> codeLocation() {
        try {
            var src = DevServices.class.getProtectionDomain().getCodeSource();
            return src == null ? Optional.empty() : Optional.of(Path.of(src.getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "DevServices" + services() + " in " + workDir + " " + ports;
    }
}
