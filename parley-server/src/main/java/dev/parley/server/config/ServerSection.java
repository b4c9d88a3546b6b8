package dev.parley.server.config;

import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.text;
import static dev.parley.server.config.Checks.throwIf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code server} section: the API listener, TLS, WebSocket frames and timeouts, plain HTTP
 * connections and the admin listener.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Server}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface ServerSection {

    /**
     * Network settings.
     *
     * @param id                   server id; empty means a random one per start
     * @param host                 listen address
     * @param port                 listen port, 0 for an ephemeral one
     * @param tls                  TLS, {@link Tls#enabled()} false for plain http/ws
     * @param maxFrameBytes        largest accepted text frame; 4x closes the connection
     * @param idleTimeoutSeconds   reader idle time before the connection is closed
     * @param shutdownGraceSeconds time given to clients to leave on shutdown
     * @param closeTimeoutMs       time a WebSocket close frame may take to be written before the socket is
     *                             dropped anyway (a peer that does not read)
     * @param http                 limits of plain HTTP connections (REST, and every connection before its upgrade)
     * @param admin                the admin listener ({@code /metrics}, {@code /health})
     */
    public record Server(String id, String host, int port, Tls tls, int maxFrameBytes, int idleTimeoutSeconds,
                         int shutdownGraceSeconds, int closeTimeoutMs, Http http, Admin admin) {
        public Server {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(http, "http");
            Objects.requireNonNull(admin, "admin");
            List<String> p = new ArrayList<>();
            text(p, ConfigKey.SERVER_ID, id);
            text(p, ConfigKey.SERVER_HOST, host);
            range(p, ConfigKey.SERVER_PORT, port);
            range(p, ConfigKey.SERVER_MAX_FRAME_BYTES, maxFrameBytes);
            range(p, ConfigKey.SERVER_IDLE_TIMEOUT_SECONDS, idleTimeoutSeconds);
            range(p, ConfigKey.SERVER_SHUTDOWN_GRACE_SECONDS, shutdownGraceSeconds);
            range(p, ConfigKey.SERVER_CLOSE_TIMEOUT_MS, closeTimeoutMs);
            throwIf(p);
        }

        /** Network settings with the default close timeout, HTTP limits and admin listener. */
        public Server(String id, String host, int port, Tls tls, int maxFrameBytes, int idleTimeoutSeconds,
                      int shutdownGraceSeconds) {
            this(id, host, port, tls, maxFrameBytes, idleTimeoutSeconds, shutdownGraceSeconds,
                    Integer.parseInt(ConfigKey.SERVER_CLOSE_TIMEOUT_MS.defaultValue), Http.defaults(),
                    Admin.defaults(port));
        }

        /** Network settings with the default HTTP limits and admin listener. */
        public Server(String id, String host, int port, Tls tls, int maxFrameBytes, int idleTimeoutSeconds,
                      int shutdownGraceSeconds, int closeTimeoutMs) {
            this(id, host, port, tls, maxFrameBytes, idleTimeoutSeconds, shutdownGraceSeconds, closeTimeoutMs,
                    Http.defaults(), Admin.defaults(port));
        }

        /** The same settings on {@code port}; port 0 (a throwaway server) takes a free admin port too. */
        public Server withPort(int port) {
            return new Server(id, host, port, tls, maxFrameBytes, idleTimeoutSeconds, shutdownGraceSeconds,
                    closeTimeoutMs, http, port == 0 ? new Admin(admin.host(), 0) : admin);
        }

        /** The same settings with another shutdown grace period. */
        public Server withShutdownGraceSeconds(int seconds) {
            return new Server(id, host, port, tls, maxFrameBytes, idleTimeoutSeconds, seconds, closeTimeoutMs, http,
                    admin);
        }

        /** Hard cap of one WebSocket frame or message: above it the connection is closed with 1009. */
        public int hardFrameLimit() {
            return (int) Math.min(Integer.MAX_VALUE, 4L * maxFrameBytes);
        }

        public Duration idleTimeout() {
            return Duration.ofSeconds(idleTimeoutSeconds);
        }

        public Duration shutdownGrace() {
            return Duration.ofSeconds(shutdownGraceSeconds);
        }

        public Duration closeTimeout() {
            return Duration.ofMillis(closeTimeoutMs);
        }
    }

    /**
     * Limits of plain HTTP connections: REST requests, and every connection until its WebSocket
     * upgrade.
     *
     * @param requestTimeoutMs     time from a request's first byte until it is complete (headers and
     *                             body); then 408 and close
     * @param idleTimeoutMs        time a keep-alive connection may wait with no request in progress
     * @param maxConnections       most open connections that are not WebSockets
     * @param maxPipelinedRequests requests of one connection waiting for their answers; reading pauses above
     */
    public record Http(int requestTimeoutMs, int idleTimeoutMs, int maxConnections, int maxPipelinedRequests) {
        public Http {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.SERVER_HTTP_REQUEST_TIMEOUT_MS, requestTimeoutMs);
            range(p, ConfigKey.SERVER_HTTP_IDLE_TIMEOUT_MS, idleTimeoutMs);
            range(p, ConfigKey.SERVER_HTTP_MAX_CONNECTIONS, maxConnections);
            range(p, ConfigKey.SERVER_HTTP_MAX_PIPELINED_REQUESTS, maxPipelinedRequests);
            throwIf(p);
        }

        public static Http defaults() {
            return new Http(Integer.parseInt(ConfigKey.SERVER_HTTP_REQUEST_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.SERVER_HTTP_IDLE_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.SERVER_HTTP_MAX_CONNECTIONS.defaultValue),
                    Integer.parseInt(ConfigKey.SERVER_HTTP_MAX_PIPELINED_REQUESTS.defaultValue));
        }

        public Duration requestTimeout() {
            return Duration.ofMillis(requestTimeoutMs);
        }

        public Duration idleTimeout() {
            return Duration.ofMillis(idleTimeoutMs);
        }
    }

    /**
     * The admin listener, which serves {@code GET /metrics} and {@code GET /health} apart from the
     * API port, so that metrics are never public by accident.
     *
     * @param host listen address; loopback by default
     * @param port listen port, 0 for a free one
     */
    public record Admin(String host, int port) {
        public Admin {
            Objects.requireNonNull(host, "host");
            List<String> p = new ArrayList<>();
            text(p, ConfigKey.SERVER_ADMIN_HOST, host);
            range(p, ConfigKey.SERVER_ADMIN_PORT, port);
            throwIf(p);
        }

        /** The default admin listener; a free port when the API port is a free one ({@code apiPort} 0). */
        public static Admin defaults(int apiPort) {
            return new Admin(ConfigKey.SERVER_ADMIN_HOST.defaultValue,
                    apiPort == 0 ? 0 : Integer.parseInt(ConfigKey.SERVER_ADMIN_PORT.defaultValue));
        }
    }

    /** TLS certificate chain and private key, both PEM; both null when TLS is off. */
    public record Tls(Path cert, Path key) {
        public Tls {
            if ((cert == null) != (key == null)) {
                throw new ConfigException("server.tls.cert and server.tls.key must be given together (or neither)");
            }
        }

        public static Tls disabled() {
            return new Tls(null, null);
        }

        public boolean enabled() {
            return cert != null;
        }
    }
}
