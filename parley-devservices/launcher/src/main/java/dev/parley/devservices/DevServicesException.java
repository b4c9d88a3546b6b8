package dev.parley.devservices;

import java.io.Serial;

/**
 * A dev service could not be started or stopped. The message says what to do; for a service that
 * started and then failed it carries the last lines of the service's log.
 */
public final class DevServicesException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final boolean missingPrerequisite;

    DevServicesException(String message) {
        this(message, null, false);
    }

    DevServicesException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private DevServicesException(String message, Throwable cause, boolean missingPrerequisite) {
        super(message, cause);
        this.missingPrerequisite = missingPrerequisite;
    }

    /** Something the machine lacks (a package, an unbuilt module), as opposed to a service that failed. */
    static DevServicesException missing(String message) {
        return new DevServicesException(message, null, true);
    }

    /**
     * True when the failure is a missing prerequisite (for example {@code redis-server} is not
     * installed, or the Kafka/Cassandra jars were not built) rather than a service that failed to start.
     */
    public boolean isMissingPrerequisite() {
        return missingPrerequisite;
    }
}
