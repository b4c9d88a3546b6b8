package dev.parley.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Parley server in a child JVM with this process's class path, a configuration written for the
 * benchmark and a temporary data directory: so that one command runs a scenario on a fresh clone,
 * and so that the server's memory and CPU are its own (measured through its pid).
 */
final class EmbeddedServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Parley listening on (https?://[^ ]+)");
    /** Printed before the listening line: where /metrics is served. */
    private static final Pattern ADMIN = Pattern.compile("Parley admin \\(metrics, health\\) on (https?://[^ ]+)");

    private final Process process;
    private final URI baseUri;
    private final URI adminUri;
    private final Path dir;
    private final Path log;
    private final boolean keep;

    private EmbeddedServer(Process process, URI baseUri, URI adminUri, Path dir, Path log, boolean keep) {
        this.process = process;
        this.baseUri = baseUri;
        this.adminUri = adminUri;
        this.dir = dir;
        this.log = log;
        this.keep = keep;
    }

    /**
     * The benchmark's server configuration: an ephemeral port, cheap password hashing (users are
     * registered by the thousand), rate limits out of the way, and the given durability.
     */
    static String config(Path dataDir, String fsync, int maxGroupMembers, int idleTimeoutSeconds) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  idleTimeoutSeconds: %d
                  shutdownGraceSeconds: 0
                  http:
                    # Connections ramp up by the thousand; the default cap would turn some away.
                    maxConnections: 1000000
                store:
                  dataDir: "%s"
                  fsync: %s
                """.formatted(idleTimeoutSeconds, dataDir.toString().replace("\\", "/"), fsync)
                + limits(maxGroupMembers);
    }

    /**
     * The limits of every server a bench run starts: no per-connection or per-user rate limit (they
     * would cap a sender at 100 frames/s), the cheapest Argon2 and no login throttle, hashing queue
     * or device cap in the way (thousands of users register and log in from one address in seconds;
     * logins are not measured), and groups as large as the run needs.
     */
    static String limits(int maxGroupMembers) {
        return """
                limits:
                  rateLimitPerSecond: 10000000
                  rateLimitBurst: 10000000
                  userSendPerSecond: 10000000
                  userSendBurst: 10000000
                  authAttemptsPerIpPerMinute: 60000000
                  authAttemptsPerIpBurst: 10000000
                  hashQueueSize: 1000000
                  maxDevicesPerUser: 10000
                  argon2MemoryKiB: 8
                  argon2Iterations: 1
                  maxGroupMembers: %d
                """.formatted(Math.max(1024, maxGroupMembers));
    }

    /**
     * Starts {@code dev.parley.server.ParleyServer --config FILE} and waits until it prints where it
     * listens.
     *
     * @param dir     a fresh directory for the config, the data and the log (deleted on close unless {@code keep})
     * @param jvmOpts options for the server's JVM (heap size, GC)
     */
    static EmbeddedServer start(Path dir, String yaml, List<String> jvmOpts, Duration timeout, boolean keep)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("parley.yaml");
        Files.writeString(config, yaml);
        Path log = dir.resolve("server.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(jvmOpts);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.parley.server.ParleyServer");
        cmd.add("--config");
        cmd.add(config.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        CompletableFuture<URI> admin = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, log, admin, listening), "server-output");
        pump.setDaemon(true);
        pump.start();
        try {
            URI uri = listening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new EmbeddedServer(p, uri, admin.getNow(null), dir, log, keep);
        } catch (Exception e) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException("the embedded server did not start within " + timeout + "; its output:\n"
                    + tail(log, 30), e);
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void pump(Process p, Path log, CompletableFuture<URI> admin, CompletableFuture<URI> listening) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher a = ADMIN.matcher(line);
                if (!admin.isDone() && a.find()) {
                    admin.complete(URI.create(a.group(1)));
                }
                Matcher m = LISTENING.matcher(line);
                if (!listening.isDone() && m.find()) {
                    listening.complete(URI.create(m.group(1)));
                }
            }
        } catch (IOException e) {
            listening.completeExceptionally(e);
        }
        listening.completeExceptionally(new IOException("server exited"));
    }

    URI baseUri() {
        return baseUri;
    }

    /** The admin listener ({@code /metrics}), or null when the server printed none. */
    URI adminUri() {
        return adminUri;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 20 s) and deletes its directory unless kept. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (!keep) {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
