package dev.parley.server.ws;

import dev.parley.protocol.FrameCodec;
import dev.parley.server.ServerMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What every connection's {@link WebSocketSessionHandler} shares (one reference per connection
 * instead of five): the gateway to the core, the codec, the metrics and the limits.
 */
public record WebSocketSettings(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                                Duration authTimeout, int outboundHardLimitBytes, Duration closeTimeout,
                                int rateLimitPerSecond, int rateLimitBurst, LongSupplier ticker) {
    /** Default of {@link #outboundHardLimitBytes()} ({@code limits.outboundHardLimitBytes}). */
    public static final int DEFAULT_OUTBOUND_HARD_LIMIT_BYTES = 16 << 20;
    /** Default of {@link #closeTimeout()} ({@code server.closeTimeoutMs}). */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * @param gateway                authenticates and opens sessions
     * @param codec                  the shared, thread-safe frame codec
     * @param metrics                where frames, errors and connections are counted
     * @param maxFrameBytes          largest accepted text frame in bytes; 4x is the hard limit of a
     *                               frame or message, above which the connection is closed (1009)
     * @param authTimeout            time allowed to authenticate after the upgrade
     * @param outboundHardLimitBytes most bytes that may wait for one connection; a frame that would
     *                               take it above closes the connection (1008) instead
     * @param closeTimeout           time a close frame may take to be written before the socket is
     *                               dropped without it
     * @param rateLimitPerSecond     frames per second a connection may send: data frames, pings,
     *                               and frames before authentication alike
     * @param rateLimitBurst         frames a connection may send at once above the rate
     * @param ticker                 monotonic nanoseconds ({@link System#nanoTime()}; tests inject one)
     */
    public WebSocketSettings {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(metrics, "metrics");
        if (maxFrameBytes < 1) {
            throw new IllegalArgumentException("maxFrameBytes must be positive, was " + maxFrameBytes);
        }
        Objects.requireNonNull(authTimeout, "authTimeout");
        if (outboundHardLimitBytes < 1) {
            throw new IllegalArgumentException("outboundHardLimitBytes must be positive, was "
                    + outboundHardLimitBytes);
        }
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative() || closeTimeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout must be positive, was " + closeTimeout);
        }
        if (rateLimitPerSecond < 1 || rateLimitPerSecond > 1_000_000_000 || rateLimitBurst < 1) {
            throw new IllegalArgumentException("rate limit must be 1 to 10^9 frames/s with a positive burst, was "
                    + rateLimitPerSecond + "/s, burst " + rateLimitBurst);
        }
        Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Settings with the default outbound hard limit and close timeout, and the core's default
     * rate limit (100 frames/s, burst 200).
     */
    public WebSocketSettings(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                             Duration authTimeout) {
        this(gateway, codec, metrics, maxFrameBytes, authTimeout, DEFAULT_OUTBOUND_HARD_LIMIT_BYTES,
                DEFAULT_CLOSE_TIMEOUT, 100, 200, System::nanoTime);
    }

    /** Nanoseconds between two frames at the sustained rate. */
    long frameIntervalNanos() {
        return 1_000_000_000L / rateLimitPerSecond;
    }

    /** Largest frame or joined message kept; above it the connection is closed with 1009. */
    public long hardLimit() {
        return Math.min(Integer.MAX_VALUE, 4L * maxFrameBytes);
    }
}
