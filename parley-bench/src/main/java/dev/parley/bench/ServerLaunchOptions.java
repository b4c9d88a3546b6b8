package dev.parley.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of every scenario: how the bench configures the server JVMs it starts itself (embedded or scale-out). */
final class ServerLaunchOptions {
    @Option(names = "--fsync", paramLabel = "always|never", defaultValue = "always",
            description = "Embedded server's store.fsync (default ${DEFAULT-VALUE}).")
    String fsync;

    @Option(names = "--server-idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "server.idleTimeoutSeconds of the servers the bench starts; clients ping every third of it "
                    + "(default ${DEFAULT-VALUE}, the server's default).")
    int idleTimeout;

    @Option(names = "--server-heap", paramLabel = "SIZE", defaultValue = "1g",
            description = "Embedded server's -Xmx (default ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--server-jvm-opt", paramLabel = "OPT", description = "Extra JVM option for the embedded server (repeatable), e.g. -XX:StartFlightRecording=filename=server.jfr.")
    List<String> jvmOpts = new ArrayList<>();

    @Option(names = "--server-jfr", paramLabel = "FILE",
            description = "Profile the embedded server with Java Flight Recorder into FILE and print where its CPU went.")
    Path jfr;

    /** Checks the options; returns an error message or null. */
    String validate() {
        if (idleTimeout < 5 || idleTimeout > 86_400) {
            return "--server-idle-timeout must be 5 to 86400 seconds (the server's own limits)";
        }
        if (!fsync.equals("always") && !fsync.equals("never")) {
            return "--fsync must be always or never";
        }
        return null;
    }
}
