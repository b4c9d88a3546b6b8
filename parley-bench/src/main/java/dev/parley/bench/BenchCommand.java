package dev.parley.bench;

import java.net.URI;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code parley bench <scenario>}: the load generator's command line. Every scenario starts an
 * embedded server in a child JVM unless {@code --server} is given, registers its users, runs,
 * prints a progress line a second on stderr and a result table on stdout, optionally writes JSON,
 * and exits 0 only when everything it received checked out (1 when a check failed, 2 when it could
 * not run).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "parley-bench 0.1.0",
        description = "Load generator for Parley: real protocol, real WebSockets, verified delivery.",
        subcommands = {ConnectionsCommand.class, ThroughputCommand.class, LatencyCommand.class, FanoutCommand.class,
                OfflineCommand.class, ProfileCommand.class})
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
}
