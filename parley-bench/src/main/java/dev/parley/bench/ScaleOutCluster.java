package dev.parley.bench;

import dev.parley.devservices.DevServices;
import dev.parley.devservices.Service;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The scale-out mode on this machine for a bench run: Redis, Kafka and Cassandra from the
 * project's dev services (free ports, a fresh data folder), and N chat servers as child JVMs
 * with {@code store.type: cassandra}, {@code router.type: kafka}, {@code presence.type: redis}.
 */
final class ScaleOutCluster implements AutoCloseable {
    private static final Duration SERVER_START = Duration.ofSeconds(120);

    private final DevServices services;
    private final List<EmbeddedServer> servers;

    private ScaleOutCluster(DevServices services, List<EmbeddedServer> servers) {
        this.services = services;
        this.servers = servers;
    }

    /**
     * Starts the services and {@code count} chat servers, and returns once every server consumes
     * its Kafka topic (before that, notifications to it would wait for its next heartbeat check).
     */
    static ScaleOutCluster start(Path work, int count, List<String> jvmOpts, int maxGroupMembers,
                                 int idleTimeoutSeconds, int logPartitions, int logCommitMs, boolean keep)
            throws IOException, InterruptedException {
        long t00 = System.nanoTime();
        DevServices services = DevServices.start(work.resolve("services"),
                EnumSet.of(Service.REDIS, Service.KAFKA, Service.CASSANDRA), DevServices.Ports.free());
        System.err.printf("scale-out: Redis, Kafka and Cassandra up in %.1f s (%s)%n", (System.nanoTime() - t00) / 1e9,
                services.ports());
        long t0 = System.nanoTime();
        // The servers start at the same time: each spends most of its start waiting (Cassandra
        // schema, Kafka topic and group), so one after the other took 6 x 40 s on a busy machine.
        List<EmbeddedServer> servers = new ArrayList<>();
        List<java.util.concurrent.Future<EmbeddedServer>> starting = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(count);
        try {
            for (int i = 0; i < count; i++) {
                String id = "bench-" + (i + 1);
                Path dir = work.resolve("server-" + (i + 1));
                starting.add(pool.submit(() -> {
                    EmbeddedServer s = EmbeddedServer.start(dir, config(services, id, maxGroupMembers, idleTimeoutSeconds, logPartitions,
                            logCommitMs), jvmOpts,
                            SERVER_START, keep);
                    try {
                        awaitLog(s.log(), "consuming parley.server." + id, SERVER_START);
                        awaitLog(s.log(), "conversation log running", SERVER_START);
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        s.close();
                        throw e;
                    }
                    System.err.printf("scale-out: chat server %s at %s (pid %d), %.1f s after the services%n", id,
                            s.baseUri(), s.pid(), (System.nanoTime() - t0) / 1e9);
                    return s;
                }));
            }
            Exception failure = null;
            for (java.util.concurrent.Future<EmbeddedServer> f : starting) {
                try {
                    servers.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    failure = failure != null ? failure : (e.getCause() instanceof Exception x ? x : e);
                }
            }
            if (failure != null) {
                throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            pool.shutdownNow();
            for (java.util.concurrent.Future<EmbeddedServer> f : starting) {
                try {
                    // A start still in progress is bounded by SERVER_START; close what it started.
                    f.get(SERVER_START.toSeconds() * 2, java.util.concurrent.TimeUnit.SECONDS).close();
                } catch (Exception ignored) {
                    // that one failed, it closed itself
                }
            }
            services.close();
            throw e;
        } finally {
            pool.shutdown();
        }
        return new ScaleOutCluster(services, List.copyOf(servers));
    }

    List<EmbeddedServer> servers() {
        return servers;
    }

    /** The first dead server, or null. */
    EmbeddedServer dead() {
        return servers.stream().filter(s -> !s.isAlive()).findFirst().orElse(null);
    }

    /** A probe of every chat server and of the services' processes. */
    ClusterProbe probe() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            names.add("bench-" + (i + 1));
        }
        return new ClusterProbe(names, servers.stream().map(EmbeddedServer::adminUri).toList(),
                servers.stream().map(EmbeddedServer::pid).toList(),
                ClusterProbe.servicePids(services.workDir()));
    }

    List<URI> baseUris() {
        return servers.stream().map(EmbeddedServer::baseUri).toList();
    }

    /** A chat server of the bench in scale-out mode, with the bench's limits ({@link EmbeddedServer#limits}). */
    static String config(DevServices services, String id, int maxGroupMembers, int idleTimeoutSeconds,
                         int logPartitions, int logCommitMs) {
        return """
                server:
                  id: %s
                  host: 127.0.0.1
                  port: 0
                  idleTimeoutSeconds: %d
                  shutdownGraceSeconds: 0
                  http:
                    maxConnections: 1000000
                store:
                  type: cassandra
                  cassandra:
                    contactPoints: "%s:%d"
                    localDatacenter: %s
                    keyspace: parley_bench
                    replicationFactor: 1
                router:
                  type: kafka
                  kafka:
                    bootstrapServers: "%s"
                    topicPrefix: "parley."
                    replicationFactor: 1
                    minInsyncReplicas: 1
                    partitions: %d
                    commitIntervalMs: %d
                presence:
                  type: redis
                  redis:
                    uri: "%s"
                """.formatted(id, idleTimeoutSeconds, services.cassandraContactPoint().getHostString(),
                services.cassandraContactPoint().getPort(), services.cassandraLocalDatacenter(),
                services.kafkaBootstrap(), logPartitions, logCommitMs, services.redisUri())
                + EmbeddedServer.limits(maxGroupMembers);
    }

    private static void awaitLog(Path log, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("a chat server did not start consuming its topic within " + timeout + "; its log:\n"
                + EmbeddedServer.tail(log, 30));
    }

    /** Stops the chat servers, then the services (their data goes with the bench's temporary folder). */
    @Override
    public void close() {
        servers.forEach(EmbeddedServer::close);
        services.close();
    }
}
