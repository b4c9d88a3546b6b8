package dev.parley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Entry point of a worker in a child process: {@code WorkerMain <spec.json>}. Runs the spec's
 * scenario and writes each {@link WorkerEvent} as one line on stdout, prefixed with
 * {@link WorkerEvent#PREFIX}; anything else it prints (logs) is passed on by the coordinator.
 * Exits 0 when it produced a result (whatever the result says), 3 when it could not run.
 */
public final class WorkerMain {
    /** The line prefix on stdin by which the coordinator releases a barrier ({@link Runner#barrier}). */
    static final String RELEASE = "release ";

    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchCommand.quietLogging();
        if (args.length != 1) {
            System.err.println("usage: WorkerMain SPEC.json");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        WorkerSpec spec = json.readValue(Path.of(args[0]).toFile(), WorkerSpec.class);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        Object lock = new Object();
        try {
            Runner runner = Runner.of(spec, e -> {
                try {
                    String line = WorkerEvent.PREFIX + json.writeValueAsString(e);
                    synchronized (lock) {
                        out.println(line);
                        out.flush();
                    }
                } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                    throw new IllegalStateException(x);
                }
            });
            Thread releases = new Thread(() -> readReleases(runner), "bench-releases");
            releases.setDaemon(true);
            releases.start();
            runner.run();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
        System.exit(0);
    }

    private static void readReleases(Runner runner) {
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(RELEASE)) {
                    runner.release(line.substring(RELEASE.length()));
                }
            }
        } catch (java.io.IOException e) {
            // the coordinator is gone; barriers time out
        }
    }
}
