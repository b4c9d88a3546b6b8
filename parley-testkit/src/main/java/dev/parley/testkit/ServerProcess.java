package dev.parley.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Parley server running as a separate JVM process, for tests that must kill it for real
 * ({@code kill -9}) or run several servers. The child uses the test JVM's class path, so it runs
 * exactly the code under test. Its output goes to a log file beside its config. It runs with
 * {@code -XX:+ExitOnOutOfMemoryError}, as {@code ./parley serve} does.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Parley listening on (https?://[^ ]+)");
    /** Printed before the listening line: where {@code /metrics} is served. */
    private static final Pattern ADMIN = Pattern.compile("Parley admin \\(metrics, health\\) on (https?://[^ ]+)");

    private final Process process;
    private final URI baseUri;
    private final URI adminUri;
    private final Path log;

    private ServerProcess(Process process, URI baseUri, URI adminUri, Path log) {
        this.process = process;
        this.baseUri = baseUri;
        this.adminUri = adminUri;
        this.log = log;
    }

    /**
     * Starts {@code dev.parley.server.ParleyServer --config <yaml>} and waits until it prints where
     * it listens.
     *
     * @param workDir  folder for the config file and the log
     * @param yaml     the server's configuration file content
     * @param env      extra environment variables
     * @param timeout  how long to wait for start-up
     */
    public static ServerProcess start(Path workDir, String yaml, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path config = workDir.resolve("parley.yaml");
        Files.writeString(config, yaml);
        Path log = workDir.resolve("server-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        // As the parley launcher: an OutOfMemoryError ends the server instead of leaving it half-alive.
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.parley.server.ParleyServer");
        cmd.add("--config");
        cmd.add(config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        CompletableFuture<URI> admin = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, log, admin, listening), "server-output-" + p.pid());
        pump.setDaemon(true);
        pump.start();
        try {
            URI uri = listening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new ServerProcess(p, uri, admin.getNow(null), log);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("server did not start within " + timeout + "; log: " + tail(log), e);
        }
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
        // The output ends when the process exits; exitValue() would throw if it has not quite yet.
        String status;
        try {
            status = p.waitFor(10, TimeUnit.SECONDS) ? "exited with " + p.exitValue() : "closed its output";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = "ended";
        }
        listening.completeExceptionally(new IOException("server " + status + " before it was listening"));
    }

    /** The server's HTTP base address, such as {@code http://127.0.0.1:41234}. */
    public URI baseUri() {
        return baseUri;
    }

    /**
     * The admin listener's base address ({@code /metrics}, {@code /health}), such as
     * {@code http://127.0.0.1:41235}; null when metrics are off.
     */
    public URI adminUri() {
        return adminUri;
    }

    public long pid() {
        return process.pid();
    }

    /** Kills the process with SIGKILL: no shutdown hook, no flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Sends SIGTERM and returns at once: the server drains ({@code server.shutdownGraceSeconds})
     * while the caller watches; {@link #waitForExit} waits for the end.
     */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to end; its exit status, or null if it is still running. */
    public Integer waitForExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** Asks the process to stop (SIGTERM) and waits for it. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of the server's output, for failure messages. */
    public String logTail() {
        return tail(log);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(15));
        }
    }
}
