package dev.parley.devservices;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's process: start and wait until ready, stop, kill. Its output goes to
 * {@code <workDir>/<service>/<service>.log} (appended across restarts) and its pid to
 * {@code <workDir>/<service>.pid}, so that another process ({@code dev-services down}) can stop it.
 */
final class ServiceProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);
    private static final int TAIL_LINES = 40;

    private final ServiceSpec spec;
    private final Path workDir;
    private final boolean detached;
    private volatile Process process;
    private volatile Duration lastStartup;

    ServiceProcess(ServiceSpec spec, Path workDir, boolean detached) {
        this.spec = spec;
        this.workDir = workDir;
        this.detached = detached;
    }

    Service service() {
        return spec.service();
    }

    Path logFile() {
        return logFile(workDir, spec.service());
    }

    static Path logFile(Path workDir, Service s) {
        return workDir.resolve(s.id()).resolve(s.id() + ".log");
    }

    static Path pidFile(Path workDir, Service s) {
        return workDir.resolve(s.id() + ".pid");
    }

    Duration lastStartup() {
        return lastStartup;
    }

    boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    Optional<ProcessHandle> handle() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.toHandle());
    }

    void checkPortsFree() {
        for (int port : spec.ports()) {
            if (!Probes.bindable(port)) {
                throw new DevServicesException("cannot start " + spec.service().id() + ": port " + port
                        + " on 127.0.0.1 is already in use (another dev-services instance, or another program; choose other ports)");
            }
        }
    }

    /** Starts the process and blocks until the service is ready; on failure the process is killed. */
    synchronized void start() {
        Service s = spec.service();
        if (isRunning()) {
            throw new IllegalStateException(s + " is already running (pid " + process.pid() + ")");
        }
        findRunning(workDir, s).ifPresent(h -> {
            throw new DevServicesException(s.id() + " is already running from " + workDir + " (pid " + h.pid()
                    + "); stop it first (./parley dev-services down --dir " + workDir + ")");
        });
        checkPortsFree();
        long t0 = System.nanoTime();
        Path log = logFile();
        long offset;
        List<String> cmd = new ArrayList<>();
        try {
            Files.createDirectories(spec.dir());
            spec.prepare();
            if (detached) {
                // own session: survives the launcher and the terminal that started it
                Host.executable("setsid").ifPresent(p -> cmd.add(p.toString()));
            }
            cmd.addAll(spec.command());
            Files.writeString(log, "==== parley-devservices: starting " + s.id() + " at " + Instant.now() + System.lineSeparator()
                            + "==== " + String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            offset = Files.size(log);
            process = new ProcessBuilder(cmd)
                    .directory(spec.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile()))
                    .redirectInput(Redirect.from(new File("/dev/null")))
                    .start();
            Files.writeString(pidFile(workDir, s), process.pid() + System.lineSeparator());
        } catch (DevServicesException e) {
            throw e;
        } catch (IOException e) {
            killQuietly();
            throw new DevServicesException("cannot start " + s.id() + ": " + e.getMessage()
                    + (cmd.isEmpty() ? "" : " (command: " + String.join(" ", cmd) + ")"), e);
        }
        LOG.info("{}: started pid {} (log {})", s.id(), process.pid(), log);
        awaitReady(new LogWatcher(log, offset), t0);
    }

    private void awaitReady(LogWatcher watcher, long t0) {
        Service s = spec.service();
        long deadline = t0 + spec.startTimeout().toNanos();
        try {
            while (true) {
                Process p = process;
                if (!p.isAlive()) {
                    deletePidFile();
                    throw failure(s.id() + " exited with code " + p.exitValue() + " before it was ready");
                }
                if (spec.isReady(watcher)) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    killQuietly();
                    throw failure(s.id() + " was not ready within " + spec.startTimeout().toSeconds() + " s");
                }
                Thread.sleep(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2) ? 10 : 50);
            }
        } catch (InterruptedException e) {
            killQuietly();
            Thread.currentThread().interrupt();
            throw new DevServicesException("interrupted while waiting for " + s.id() + " to start", e);
        } catch (IOException e) {
            killQuietly();
            throw new DevServicesException("cannot watch " + s.id() + "'s log: " + e.getMessage(), e);
        }
        lastStartup = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("{}: ready in {} ms", s.id(), lastStartup.toMillis());
    }

    private DevServicesException failure(String what) {
        return new DevServicesException(what + " (log: " + logFile() + "). Last " + TAIL_LINES + " lines of the log:"
                + System.lineSeparator() + LogWatcher.tail(logFile(), TAIL_LINES));
    }

    /** SIGTERM, then waits up to the service's stop timeout, then SIGKILL. */
    synchronized void stop() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!await(p.toHandle(), spec.stopTimeout())) {
                LOG.warn("{}: did not stop within {} s of SIGTERM; killing it", spec.service().id(),
                        spec.stopTimeout().toSeconds());
                p.destroyForcibly();
                await(p.toHandle(), Duration.ofSeconds(10));
            }
        }
        deletePidFile();
    }

    /** SIGKILL, and waits until the process is gone (its ports are then free). */
    synchronized void kill9() {
        killQuietly();
    }

    /** Sends SIGKILL without waiting: for the JVM's shutdown hook. */
    void kill9NoWait() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            await(p.toHandle(), Duration.ofSeconds(15));
        }
        deletePidFile();
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(pidFile(workDir, spec.service()));
        } catch (IOException e) {
            LOG.debug("cannot delete pid file", e);
        }
    }

    static boolean await(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    /**
     * The live process that a pid file in {@code workDir} names, if its command line mentions
     * {@code workDir} (so a recycled pid of an unrelated process is never taken for ours).
     */
    static Optional<ProcessHandle> findRunning(Path workDir, Service s) {
        Path pidFile = pidFile(workDir, s);
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        return belongsTo(h.get(), workDir) ? h : Optional.empty();
    }

    /**
     * True when the process runs in a folder under {@code workDir} (every service is started in its
     * own folder there) or its command line mentions {@code workDir} (Redis rewrites its own
     * command line, hence the folder first).
     */
    private static boolean belongsTo(ProcessHandle h, Path workDir) {
        Path dir = workDir.toAbsolutePath().normalize();
        try {
            Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "cwd"));
            Path real = Files.exists(dir) ? dir.toRealPath() : dir;
            if (cwd.startsWith(dir) || cwd.startsWith(real)) {
                return true;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // fall back to the command line
        }
        return commandLine(h).contains(dir.toString());
    }

    private static String commandLine(ProcessHandle h) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return h.info().commandLine().orElse("");
        }
    }
}
