package dev.parley.testkit.contract;

import java.net.URI;
import java.util.List;

/**
 * A running Parley deployment that the contract suite runs against: one or more chat servers of
 * the same cluster. Tests spread the devices they log in over {@link #servers()} round-robin, so
 * with several servers the users of one test talk across servers.
 *
 * <p>Nothing in the contracts depends on how the deployment is run (one embedded process, a fleet
 * on Kafka, Cassandra and Redis, ...); the deployment only says where its servers are and which
 * limits it was configured with, so that limit tests know what to expect.
 */
public interface Deployment {

    /** Base HTTP addresses of the chat servers, such as {@code http://127.0.0.1:41234}; at least one. */
    List<URI> servers();

    /** A readable name for test reports, such as {@code embedded} or {@code scale-out x3}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** The limits this deployment was configured with; the defaults of {@code parley-default.yaml} unless overridden. */
    default Limits limits() {
        return Limits.DEFAULTS;
    }

    /** {@code limits.maxDevicesPerUser} of this deployment; the documented default unless overridden. */
    default int maxDevicesPerUser() {
        return 16;
    }

    /** {@code limits.loginFailuresBeforeBackoff} of this deployment; the documented default unless overridden. */
    default int loginFailuresBeforeBackoff() {
        return 5;
    }

    /**
     * The local push providers the servers are configured with, for {@link PushContract}; a
     * deployment that runs none throws {@link UnsupportedOperationException}.
     */
    default PushProviders pushProviders() {
        throw new UnsupportedOperationException(name() + " runs no local push providers");
    }

    /**
     * Configured resource limits, as in the {@code server} and {@code limits} sections of the
     * server configuration.
     *
     * @param maxFrameBytes      {@code server.maxFrameBytes}: larger text frames get FRAME_TOO_LARGE
     * @param maxBodyBytes       {@code limits.maxBodyBytes}: larger bodies get MESSAGE_TOO_LARGE
     * @param maxGroupMembers    {@code limits.maxGroupMembers}, creator included
     * @param rateLimitPerSecond {@code limits.rateLimitPerSecond}, per connection
     * @param rateLimitBurst     {@code limits.rateLimitBurst}, per connection
     */
    record Limits(int maxFrameBytes, int maxBodyBytes, int maxGroupMembers, int rateLimitPerSecond,
                  int rateLimitBurst) {
        /** The documented defaults. */
        public static final Limits DEFAULTS = new Limits(131_072, 65_536, 1_024, 100, 200);
    }
}
