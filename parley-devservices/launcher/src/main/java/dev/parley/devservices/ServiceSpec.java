package dev.parley.devservices;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** How to run one service: its files, its command line and when it counts as ready. */
interface ServiceSpec {

    Service service();

    /** The service's own folder: configuration, data and log. */
    Path dir();

    /** Ports (on 127.0.0.1) that must be free before the process starts. */
    List<Integer> ports();

    /**
     * Writes configuration files and does one-time set-up (Kafka's storage format). Called before
     * every start, so it must keep existing data.
     */
    void prepare() throws IOException;

    /** Full command line; the first element is the executable. Must mention {@link #dir()}. */
    List<String> command();

    /** True once the service answers; {@code log} holds what the process printed since this start. */
    boolean isReady(LogWatcher log) throws IOException;

    Duration startTimeout();

    /** How long a SIGTERM may take before the process is killed. */
    Duration stopTimeout();
}
