package dev.parley.it.scaleout;

import dev.parley.devservices.DevServices;
import dev.parley.store.cassandra.CassandraConfig;
import dev.parley.store.cassandra.CassandraStore;
import dev.parley.testkit.ServerProcess;
import dev.parley.testkit.contract.OfflineContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Three Parley chat servers of one cluster, each a separate JVM ({@link ServerProcess}), on the
 * dev services' Cassandra (one keyspace per test JVM, replication factor 1), Kafka and Redis.
 * Server {@code i} (0-based) has the stable id {@code scaleout-<i+1>}, listens on a free port,
 * and keeps its configuration and log under {@code <work>/server-<i+1>/}.
 *
 * <p>Configured like production except for what makes the tests fast or limits testable: the
 * limits and heartbeat of the embedded contract run (group limit 6, a 6 s heartbeat timeout, rate
 * limit 500/s with a burst of 1,000, no per-user send limit and no per-address login limit, as the
 * suite registers and logs in everyone from one address), cheap password hashing, and a presence entry TTL of 6 s (three
 * refreshes), so that a killed server's users go offline within seconds.
 *
 * <p>Thread-safe. {@link #close()} kills every server (their data is thrown away with the dev
 * services).
 */
@SuppressWarnings("deprecation") // CloseableResource: for engines before JUnit 5.13's AutoCloseable support
final class ScaleOutFleet implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    /** How many chat servers the fleet runs. */
    static final int SIZE = 3;
    /** Presence entries expire this long after the last refresh (servers refresh every 2 s). */
    static final int PRESENCE_TTL_SECONDS = 6;
    /** Partitions of the conversation log: two per server, so every server owns some. */
    static final int LOG_PARTITIONS = 6;
    /** A dead or paused server's log partitions move after this long. */
    static final int LOG_SESSION_TIMEOUT_MS = 6_000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Extra JVM options of the chat servers: C1 only and the serial collector start three JVMs on a
     * two-core machine several seconds faster, and these tests are about behaviour, not peak speed.
     */
    private static final String SERVER_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    private final DevServices services;
    private final Path work;
    private final String keyspace;
    private final String topicPrefix;
    private final Map<String, String> serverEnv;
    private final ServerProcess[] servers = new ServerProcess[SIZE];
    private volatile boolean closed;

    private ScaleOutFleet(DevServices services, Path work, String suffix, Map<String, String> serverEnv) {
        this.services = services;
        this.serverEnv = Map.copyOf(serverEnv);
        this.work = work;
        this.keyspace = "parley_it_" + suffix;
        this.topicPrefix = "parley-it-" + suffix + ".";
    }

    /**
     * Starts the fleet: creates the keyspace and tables, then starts the servers in parallel and
     * waits until each consumes its Kafka topic. {@code serverEnv} holds more settings of every
     * server, as {@code PARLEY_*} environment variables (the local push providers).
     */
    static ScaleOutFleet start(DevServices services, Path workRoot, Map<String, String> serverEnv) {
        String suffix = randomSuffix();
        Path work;
        try {
            work = Files.createDirectories(workRoot.resolve("scaleout-" + suffix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ScaleOutFleet fleet = new ScaleOutFleet(services, work, suffix, serverEnv);
        long t0 = System.nanoTime();
        try {
            fleet.createSchema();
            long schemaMs = (System.nanoTime() - t0) / 1_000_000;
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < SIZE; i++) {
                int index = i;
                all.add(CompletableFuture.runAsync(() -> fleet.startServer(index)));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            System.out.printf("scale-out schema created in %d ms%n", schemaMs);
        } catch (RuntimeException e) {
            fleet.close();
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException re ? re : e;
        }
        System.out.printf("scale-out fleet of %d servers up in %d ms (keyspace %s, topics %s*, work %s)%n", SIZE,
                (System.nanoTime() - t0) / 1_000_000, fleet.keyspace, fleet.topicPrefix, work);
        return fleet;
    }

    /** The stable server id of server {@code i}. */
    static String serverId(int i) {
        return "scaleout-" + (i + 1);
    }

    /** Base HTTP addresses of the servers, in index order (a restarted server has a new port). */
    synchronized List<URI> uris() {
        List<URI> out = new ArrayList<>(SIZE);
        for (ServerProcess p : servers) {
            if (p == null) {
                throw new IllegalStateException("the fleet is not running");
            }
            out.add(p.baseUri());
        }
        return List.copyOf(out);
    }

    /** Base HTTP address of server {@code i}. */
    synchronized URI uri(int i) {
        return servers[i].baseUri();
    }

    /** The admin listener of server {@code i}, where its {@code /metrics} are. */
    synchronized URI adminUri(int i) {
        return servers[i].adminUri();
    }

    /** The process of server {@code i}. */
    synchronized ServerProcess process(int i) {
        return servers[i];
    }

    /** The dev services the fleet runs on. */
    DevServices services() {
        return services;
    }

    /** The Cassandra keyspace of this fleet. */
    String keyspace() {
        return keyspace;
    }

    /** The prefix of this fleet's Kafka topics and group ids, such as {@code parley-it-<suffix>.}. */
    String topicPrefix() {
        return topicPrefix;
    }

    /** Kills server {@code i} with SIGKILL and waits until it is gone. */
    void kill9(int i) throws InterruptedException {
        process(i).kill9();
    }

    /**
     * Starts server {@code i} again with the same server id (and so the same Kafka topic and
     * consumer group) on a new port; stops it first if it still runs. Returns how long the start took.
     */
    Duration restart(int i) throws InterruptedException {
        ServerProcess old = process(i);
        if (old.isAlive()) {
            old.stop(Duration.ofSeconds(15));
        }
        long t0 = System.nanoTime();
        startServer(i);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Restarts every server whose process is gone (after a test that killed one and failed before restarting it). */
    void restartDead() throws InterruptedException {
        for (int i = 0; i < SIZE; i++) {
            if (!process(i).isAlive()) {
                System.out.printf("restarting %s, found dead%n", serverId(i));
                restart(i);
            }
        }
    }

    /** The last lines of every server's log, for failure messages. */
    synchronized String logTails() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < SIZE; i++) {
            sb.append("---- ").append(serverId(i)).append(servers[i] == null ? " (not running)" : "").append('\n');
            if (servers[i] != null) {
                sb.append(servers[i].logTail()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Creates the keyspace and tables before any server starts, as production does (see the
     * Cassandra store's package documentation), with the store's own schema code. The test JVM's
     * session runs without driver metadata, which makes DDL many times faster; the servers then find
     * everything in place.
     */
    private void createSchema() {
        InetSocketAddress cp = services.cassandraContactPoint();
        CassandraConfig config = new CassandraConfig(List.of(InetSocketAddress.createUnresolved(cp.getHostString(),
                cp.getPort())), services.cassandraLocalDatacenter(), keyspace, 1, Duration.ofSeconds(20))
                .withDriverMetadata(false);
        new CassandraStore(config).close();
    }

    private void startServer(int i) {
        if (closed) {
            throw new IllegalStateException("the fleet is closed");
        }
        Path dir = work.resolve("server-" + (i + 1));
        try {
            Map<String, String> env = new java.util.HashMap<>(serverEnv);
            env.put("JAVA_TOOL_OPTIONS", SERVER_JVM_OPTIONS);
            ServerProcess p = ServerProcess.start(dir, yaml(i), env, START_TIMEOUT);
            synchronized (this) {
                servers[i] = p;
            }
            awaitLog(dir, "consuming " + topicPrefix + "server." + serverId(i), START_TIMEOUT);
            awaitLog(dir, "conversation log running", START_TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + serverId(i), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + serverId(i), e);
        }
    }

    /** The configuration of server {@code i}. */
    private String yaml(int i) {
        return """
                server:
                  id: %s
                  host: 127.0.0.1
                  port: 0
                  maxFrameBytes: %d
                  idleTimeoutSeconds: %d
                  shutdownGraceSeconds: 1
                store:
                  type: cassandra
                  dataDir: "%s"
                  cassandra:
                    contactPoints: "%s"
                    localDatacenter: %s
                    keyspace: %s
                    replicationFactor: 1
                    requestTimeoutMs: 10000
                router:
                  type: kafka
                  kafka:
                    bootstrapServers: "%s"
                    topicPrefix: "%s"
                    replicationFactor: 1
                    minInsyncReplicas: 1
                    partitions: %d
                    commitIntervalMs: 10
                    sessionTimeoutMs: %d
                    requestTimeoutMs: 10000
                presence:
                  type: redis
                  redis:
                    uri: "%s"
                    entryTtlSeconds: %d
                limits:
                  maxBodyBytes: %d
                  maxGroupMembers: %d
                  rateLimitPerSecond: %d
                  rateLimitBurst: %d
                  userSendPerSecond: 10000000
                  userSendBurst: 10000000
                  authAttemptsPerIpPerMinute: 60000000
                  authAttemptsPerIpBurst: 10000000
                  argon2MemoryKiB: 1024
                  argon2Iterations: 1
                push:
                  # the contract's webhook receiver is on loopback
                  allowPrivateAddresses: true
                  minIntervalSeconds: %d
                  webhook:
                    secret: "%s"
                metrics:
                  enabled: true
                """.formatted(serverId(i), ScaleOutDeployment.LIMITS.maxFrameBytes(),
                ScaleOutDeployment.IDLE_TIMEOUT_SECONDS, work.resolve("server-" + (i + 1)).resolve("data"),
                services.cassandraContactPoint().getHostString() + ":" + services.cassandraContactPoint().getPort(),
                services.cassandraLocalDatacenter(), keyspace, services.kafkaBootstrap(), topicPrefix,
                LOG_PARTITIONS, LOG_SESSION_TIMEOUT_MS, services.redisUri(), PRESENCE_TTL_SECONDS, ScaleOutDeployment.LIMITS.maxBodyBytes(),
                ScaleOutDeployment.LIMITS.maxGroupMembers(), ScaleOutDeployment.LIMITS.rateLimitPerSecond(),
                ScaleOutDeployment.LIMITS.rateLimitBurst(), OfflineContract.PUSH_MIN_INTERVAL_SECONDS,
                OfflineContract.WEBHOOK_SECRET);
    }

    /**
     * Waits until the newest log in {@code dir} has a line containing {@code text} (here: the Kafka
     * consumer of the server's topic got its partition, so notifications to it are consumed).
     */
    private static void awaitLog(Path dir, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Path log;
            try (Stream<Path> files = Files.list(dir)) {
                // ServerProcess names its logs server-<System.nanoTime()>.log: the largest is the newest.
                log = files.filter(p -> p.getFileName().toString().matches("server-\\d+\\.log"))
                        .max(Comparator.comparingLong(ScaleOutFleet::startedAt)).orElse(null);
            }
            if (log != null) {
                try (Stream<String> lines = Files.lines(log)) {
                    if (lines.anyMatch(l -> l.contains(text))) {
                        return;
                    }
                } catch (UncheckedIOException e) {
                    // a line cut in the middle of a multi-byte character: read again
                }
            }
            Thread.sleep(50);
        }
        throw new IOException("no \"" + text + "\" in the log of " + dir + " within " + timeout);
    }

    private static long startedAt(Path log) {
        String name = log.getFileName().toString();
        return Long.parseLong(name.substring("server-".length(), name.length() - ".log".length()));
    }

    private static String randomSuffix() {
        char[] alphabet = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(alphabet[RANDOM.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    /** Kills every server, in parallel. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ServerProcess> all;
        synchronized (this) {
            all = new ArrayList<>();
            for (ServerProcess p : servers) {
                if (p != null) {
                    all.add(p);
                }
            }
        }
        CompletableFuture.allOf(all.stream().map(p -> CompletableFuture.runAsync(() -> {
            try {
                p.kill9();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })).toArray(CompletableFuture[]::new)).join();
    }
}
