package dev.parley.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.parley.core.ParleySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The server's configuration: one YAML file (every key optional; see {@code parley-default.yaml}
 * for each key, its default and what it does) overridden by environment variables, one per key,
 * named {@code PARLEY_} + the key's path in upper snake case ({@code server.maxFrameBytes} →
 * {@code PARLEY_SERVER_MAX_FRAME_BYTES}).
 *
 * <p>Immutable. Every record validates its values on construction and throws
 * {@link ConfigException} naming the offending keys, so a {@code ServerConfig} that exists is
 * valid; {@link #load} reports every problem of a file and environment at once.
 *
 * @param server   network: address, TLS, frame size, idle timeout, shutdown grace
 * @param store    the message and account store
 * @param router   routing between chat servers
 * @param presence the presence registry
 * @param push     push notifications
 * @param limits   the core's limits ({@link ParleySettings})
 * @param metrics  Prometheus metrics
 */
public record ServerConfig(Server server, Store store, Router router, Presence presence, Push push, Limits limits,
                           Metrics metrics) {

    /** Name of the classpath resource listing every key with its default. */
    public static final String DEFAULTS_RESOURCE = "parley-default.yaml";

    public ServerConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(push, "push");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(metrics, "metrics");
        // A send frame must be able to carry a body of the largest allowed size plus its envelope.
        if ((long) server.maxFrameBytes() < (long) limits.maxBodyBytes() + 1_024) {
            throw new ConfigException("server.maxFrameBytes (" + server.maxFrameBytes()
                    + ") must be at least limits.maxBodyBytes (" + limits.maxBodyBytes()
                    + ") + 1024 so that a message of the largest allowed body fits in a frame");
        }
    }

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

    /** How durable a write is when it is acknowledged. */
    public enum Fsync {
        /** Synced to disk before the acknowledgement: survives power loss. */
        ALWAYS,
        /** Written to the OS before the acknowledgement: survives a process crash, not a power loss. */
        NEVER
    }

    /**
     * Store settings.
     *
     * @param type     only {@code rocksdb} in this version
     * @param dataDir  directory of the embedded store
     * @param fsync    durability of acknowledged writes
     * @param batchMax largest group commit
     */
    public record Store(String type, Path dataDir, Fsync fsync, int batchMax, Cassandra cassandra) {
        public Store {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(fsync, "fsync");
            Objects.requireNonNull(cassandra, "cassandra");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.STORE_TYPE, type);
            range(p, ConfigKey.STORE_BATCH_MAX, batchMax);
            throwIf(p);
        }

        /** Embedded settings with the default Cassandra section. */
        public Store(String type, Path dataDir, Fsync fsync, int batchMax) {
            this(type, dataDir, fsync, batchMax, Cassandra.defaults());
        }
    }

    /**
     * The Cassandra store ({@code store.type: cassandra}).
     *
     * @param contactPoints     host:port of nodes to contact first
     * @param localDatacenter   data center serving this server's requests
     * @param keyspace          keyspace of Parley's tables
     * @param replicationFactor replication factor when the keyspace is created
     * @param requestTimeoutMs  driver request timeout
     */
    public record Cassandra(List<String> contactPoints, String localDatacenter, String keyspace, int replicationFactor,
                            int requestTimeoutMs) {
        public Cassandra {
            contactPoints = List.copyOf(contactPoints);
            List<String> p = new ArrayList<>();
            for (String cp : contactPoints) {
                if (!cp.matches("[^:\\s]+:[0-9]{1,5}")) {
                    p.add("store.cassandra.contactPoints: \"" + cp + "\" must be host:port");
                }
            }
            if (contactPoints.isEmpty()) {
                p.add("store.cassandra.contactPoints must name at least one host:port");
            }
            range(p, ConfigKey.STORE_CASSANDRA_REPLICATION_FACTOR, replicationFactor);
            range(p, ConfigKey.STORE_CASSANDRA_REQUEST_TIMEOUT_MS, requestTimeoutMs);
            throwIf(p);
        }

        static Cassandra defaults() {
            return new Cassandra(List.of(ConfigKey.STORE_CASSANDRA_CONTACT_POINTS.defaultValue),
                    ConfigKey.STORE_CASSANDRA_LOCAL_DATACENTER.defaultValue, ConfigKey.STORE_CASSANDRA_KEYSPACE.defaultValue,
                    1, 10_000);
        }
    }

    /**
     * @param type  {@code in-process} (one server) or {@code kafka}
     * @param kafka the Kafka router's settings
     */
    public record Router(String type, Kafka kafka) {
        public Router {
            Objects.requireNonNull(kafka, "kafka");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.ROUTER_TYPE, type);
            throwIf(p);
        }

        public Router(String type) {
            this(type, new Kafka(ConfigKey.ROUTER_KAFKA_BOOTSTRAP_SERVERS.defaultValue,
                    ConfigKey.ROUTER_KAFKA_TOPIC_PREFIX.defaultValue, 1, 1,
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_PARTITIONS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS.defaultValue),
                    Integer.parseInt(ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES.defaultValue)));
        }
    }

    /** The Kafka router ({@code router.type: kafka}). */
    public record Kafka(String bootstrapServers, String topicPrefix, int replicationFactor, int minInsyncReplicas,
                        int partitions, int commitIntervalMs, int sessionTimeoutMs, int requestTimeoutMs,
                        int maxPendingWrites) {
        public Kafka {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.ROUTER_KAFKA_REPLICATION_FACTOR, replicationFactor);
            range(p, ConfigKey.ROUTER_KAFKA_MIN_INSYNC_REPLICAS, minInsyncReplicas);
            range(p, ConfigKey.ROUTER_KAFKA_PARTITIONS, partitions);
            range(p, ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS, commitIntervalMs);
            range(p, ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS, sessionTimeoutMs);
            range(p, ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS, requestTimeoutMs);
            range(p, ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES, maxPendingWrites);
            if (minInsyncReplicas > replicationFactor) {
                p.add("router.kafka.minInsyncReplicas (" + minInsyncReplicas
                        + ") must not exceed router.kafka.replicationFactor (" + replicationFactor + ")");
            }
            throwIf(p);
        }
    }

    /**
     * @param type  {@code in-memory} (one server) or {@code redis}
     * @param redis the Redis registry's settings
     */
    public record Presence(String type, Redis redis) {
        public Presence {
            Objects.requireNonNull(redis, "redis");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.PRESENCE_TYPE, type);
            throwIf(p);
        }

        public Presence(String type) {
            this(type, new Redis(ConfigKey.PRESENCE_REDIS_URI.defaultValue, 60));
        }
    }

    /** The Redis presence registry ({@code presence.type: redis}). */
    public record Redis(String uri, int entryTtlSeconds) {
        public Redis {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.PRESENCE_REDIS_ENTRY_TTL_SECONDS, entryTtlSeconds);
            throwIf(p);
        }
    }

    /**
     * Push notifications: the behaviour shared by every provider (see {@code PushSettings} in the
     * core) and each provider's credentials. Documented key by key in docs/CONFIGURATION.md.
     */
    public record Push(boolean previews, int previewMaxChars, int minIntervalSeconds, int queueCapacity,
                       int maxConcurrent, int maxAttempts, int retryBaseMs, int retryMaxMs, int maxTargetsPerUser,
                       int timeoutMs, boolean allowPrivateAddresses, Webhook webhook, WebPush webpush, Fcm fcm,
                       Apns apns) {
        public Push {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.PUSH_TIMEOUT_MS, timeoutMs);
            range(p, ConfigKey.PUSH_MIN_INTERVAL_SECONDS, minIntervalSeconds);
            if (retryMaxMs < retryBaseMs) {
                p.add("push.retryMaxMs must be at least push.retryBaseMs");
            }
            throwIf(p);
        }

    }

    /** The webhook provider. */
    public record Webhook(boolean enabled, List<String> allowList, String secret, int maxConcurrent) {
    }

    /** Web Push. */
    public record WebPush(boolean enabled, String publicKey, String privateKey, String subject, int ttlSeconds,
                          List<String> allowList) {
        public WebPush {
            List<String> p = new ArrayList<>();
            if (enabled && (publicKey.isEmpty() || privateKey.isEmpty())) {
                p.add("push.webpush.publicKey and push.webpush.privateKey are required when push.webpush.enabled "
                        + "(./parley vapid-keys makes a pair)");
            }
            if (enabled && !(subject.startsWith("mailto:") || subject.startsWith("https://"))) {
                p.add("push.webpush.subject must be a mailto: or https: contact when push.webpush.enabled");
            }
            throwIf(p);
        }
    }

    /** Firebase Cloud Messaging. */
    public record Fcm(boolean enabled, String projectId, Path serviceAccountFile, String baseUrl, String tokenUri) {
        public Fcm {
            List<String> p = new ArrayList<>();
            if (enabled && (projectId.isEmpty() || serviceAccountFile == null)) {
                p.add("push.fcm.projectId and push.fcm.serviceAccountFile are required when push.fcm.enabled");
            }
            throwIf(p);
        }
    }

    /** Apple Push Notification service: token auth (keyFile, keyId, teamId) or certificate auth (certFile). */
    public record Apns(boolean enabled, String host, String topic, Path keyFile, String keyId, String teamId,
                       Path certFile, String certPassword, Path trustedCertFile) {
        public Apns {
            List<String> p = new ArrayList<>();
            if (enabled && topic.isEmpty()) {
                p.add("push.apns.topic (the app's bundle id) is required when push.apns.enabled");
            }
            if (enabled && (keyFile == null) == (certFile == null)) {
                p.add("push.apns needs exactly one of push.apns.keyFile (token auth) and push.apns.certFile "
                        + "(certificate auth)");
            }
            if (enabled && keyFile != null && (keyId.isEmpty() || teamId.isEmpty())) {
                p.add("push.apns.keyId and push.apns.teamId are required with push.apns.keyFile");
            }
            throwIf(p);
        }
    }

    /**
     * The core's limits (see {@link ParleySettings} for what each one does) and the transport's.
     *
     * @param maxOutboundBytes        a connection's write buffer high-water mark: above it live delivery
     *                                pauses and the server stops reading from the connection
     * @param outboundHardLimitBytes  bytes waiting for one connection above which it is closed with 1008;
     *                                at least {@code maxOutboundBytes}
     * @param abuse                   the limits against abuse of accounts and sends
     * @param maxContacts             most users in one contact list
     * @param membershipChangesPerMinute membership changes per group and per acting user in a minute
     */
    public record Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                         int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                         int argon2Iterations, int outboundHardLimitBytes, Abuse abuse, int maxContacts,
                         int membershipChangesPerMinute) {
        public Limits {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.LIMITS_MAX_BODY_BYTES, maxBodyBytes);
            range(p, ConfigKey.LIMITS_MAX_GROUP_MEMBERS, maxGroupMembers);
            range(p, ConfigKey.LIMITS_INBOX_RETENTION_DAYS, inboxRetentionDays);
            range(p, ConfigKey.LIMITS_RATE_LIMIT_PER_SECOND, rateLimitPerSecond);
            range(p, ConfigKey.LIMITS_RATE_LIMIT_BURST, rateLimitBurst);
            range(p, ConfigKey.LIMITS_MAX_OUTBOUND_BYTES, maxOutboundBytes);
            range(p, ConfigKey.LIMITS_SYNC_BATCH_SIZE, syncBatchSize);
            range(p, ConfigKey.LIMITS_ARGON2_MEMORY_KIB, argon2MemoryKiB);
            range(p, ConfigKey.LIMITS_ARGON2_ITERATIONS, argon2Iterations);
            range(p, ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES, outboundHardLimitBytes);
            range(p, ConfigKey.LIMITS_MAX_CONTACTS, maxContacts);
            range(p, ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE, membershipChangesPerMinute);
            if (outboundHardLimitBytes < maxOutboundBytes) {
                p.add("limits.outboundHardLimitBytes (" + outboundHardLimitBytes + ") must be at least "
                        + "limits.maxOutboundBytes (" + maxOutboundBytes + ")");
            }
            Objects.requireNonNull(abuse, "abuse");
            throwIf(p);
        }

        /** Limits with the default abuse, contact and membership churn limits. */
        public Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                      int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                      int argon2Iterations, int outboundHardLimitBytes) {
            this(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, outboundHardLimitBytes,
                    Abuse.defaults(), Integer.parseInt(ConfigKey.LIMITS_MAX_CONTACTS.defaultValue),
                    Integer.parseInt(ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE.defaultValue));
        }

        /** The same limits with other abuse limits. */
        public Limits withAbuse(Abuse v) {
            return new Limits(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, outboundHardLimitBytes, v,
                    maxContacts, membershipChangesPerMinute);
        }

        /** Limits with the default outbound hard limit (or {@code maxOutboundBytes} when that is larger). */
        public Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                      int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                      int argon2Iterations) {
            this(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, Math.max(maxOutboundBytes,
                            Integer.parseInt(ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES.defaultValue)));
        }
    }

    /**
     * Limits against abuse (keys in the {@code limits} section).
     *
     * @param userSendPerSecond          {@code limits.userSendPerSecond}: sends per second of one user, all
     *                                   connections to one server together
     * @param userSendBurst              {@code limits.userSendBurst}
     * @param maxDevicesPerUser          {@code limits.maxDevicesPerUser}
     * @param hashQueueSize              {@code limits.hashQueueSize}: password hashes waiting before SERVER_BUSY
     * @param authAttemptsPerIpPerMinute {@code limits.authAttemptsPerIpPerMinute}
     * @param authAttemptsPerIpBurst     {@code limits.authAttemptsPerIpBurst}
     * @param loginFailuresBeforeBackoff {@code limits.loginFailuresBeforeBackoff}
     * @param loginMaxBackoffSeconds     {@code limits.loginMaxBackoffSeconds}
     * @param authThrottleMaxEntries     {@code limits.authThrottleMaxEntries}
     */
    public record Abuse(int userSendPerSecond, int userSendBurst, int maxDevicesPerUser, int hashQueueSize,
                        int authAttemptsPerIpPerMinute, int authAttemptsPerIpBurst, int loginFailuresBeforeBackoff,
                        int loginMaxBackoffSeconds, int authThrottleMaxEntries) {
        public Abuse {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.LIMITS_USER_SEND_PER_SECOND, userSendPerSecond);
            range(p, ConfigKey.LIMITS_USER_SEND_BURST, userSendBurst);
            range(p, ConfigKey.LIMITS_MAX_DEVICES_PER_USER, maxDevicesPerUser);
            range(p, ConfigKey.LIMITS_HASH_QUEUE_SIZE, hashQueueSize);
            range(p, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE, authAttemptsPerIpPerMinute);
            range(p, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST, authAttemptsPerIpBurst);
            range(p, ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF, loginFailuresBeforeBackoff);
            range(p, ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS, loginMaxBackoffSeconds);
            range(p, ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES, authThrottleMaxEntries);
            throwIf(p);
        }

        /** The documented defaults. */
        public static Abuse defaults() {
            return new Abuse(def(ConfigKey.LIMITS_USER_SEND_PER_SECOND), def(ConfigKey.LIMITS_USER_SEND_BURST),
                    def(ConfigKey.LIMITS_MAX_DEVICES_PER_USER), def(ConfigKey.LIMITS_HASH_QUEUE_SIZE),
                    def(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE), def(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST),
                    def(ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF), def(ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS),
                    def(ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES));
        }

        /**
         * The defaults without the per-user send limit and the per-address login limit, for test
         * suites that register, log in and send from one address by the hundred; the device cap,
         * the hashing queue and the per-account back-off stay as documented.
         */
        public static Abuse permissive() {
            Abuse d = defaults();
            return new Abuse(10_000_000, 10_000_000, d.maxDevicesPerUser(), d.hashQueueSize(), 60_000_000,
                    10_000_000, d.loginFailuresBeforeBackoff(), d.loginMaxBackoffSeconds(), d.authThrottleMaxEntries());
        }

        private static int def(ConfigKey k) {
            return Integer.parseInt(k.defaultValue);
        }

        /** The core's login throttle settings. */
        public dev.parley.core.account.LoginThrottle.Settings loginThrottle() {
            return new dev.parley.core.account.LoginThrottle.Settings(authAttemptsPerIpPerMinute, authAttemptsPerIpBurst,
                    loginFailuresBeforeBackoff, Duration.ofSeconds(loginMaxBackoffSeconds), authThrottleMaxEntries);
        }
    }

    /** @param enabled whether {@code GET /metrics} of the admin listener serves Prometheus metrics */
    public record Metrics(boolean enabled) {
    }

    // ---- loading --------------------------------------------------------------------------

    /** The defaults, as if loaded from no file and an empty environment. */
    public static ServerConfig defaults() {
        return load(null, Map.of());
    }

    /**
     * Loads the configuration: defaults, then {@code file} (when not null), then every
     * {@code PARLEY_*} variable of {@code env} that names a key. Unknown keys in the file are
     * errors (a typo must not silently fall back to a default); unknown environment variables
     * are ignored.
     *
     * @param file a YAML file, or null for defaults and environment only
     * @param env  environment variables, usually {@link System#getenv()}
     * @throws ConfigException listing every problem found
     */
    public static ServerConfig load(Path file, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Map<ConfigKey, Raw> raw = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            raw.put(k, new Raw(k.defaultValue, "default"));
        }
        List<String> problems = new ArrayList<>();
        if (file != null) {
            readYaml(file, raw, problems);
        }
        for (ConfigKey k : ConfigKey.values()) {
            String v = env.get(k.envName());
            if (v != null) {
                raw.put(k, new Raw(v.strip(), "environment variable " + k.envName()));
            }
        }
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            Object v = convert(k, raw.get(k), problems);
            if (v != null) {
                values.put(k, v);
            }
        }
        checkReadable(ConfigKey.SERVER_TLS_CERT, values, raw, problems);
        checkReadable(ConfigKey.SERVER_TLS_KEY, values, raw, problems);
        checkReadable(ConfigKey.PUSH_FCM_SERVICE_ACCOUNT_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_KEY_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_CERT_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_TRUSTED_CERT_FILE, values, raw, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        try {
            ServerConfig config = new ServerConfig(
                    new Server(str(values, ConfigKey.SERVER_ID), str(values, ConfigKey.SERVER_HOST),
                            num(values, ConfigKey.SERVER_PORT),
                            new Tls((Path) values.get(ConfigKey.SERVER_TLS_CERT), (Path) values.get(ConfigKey.SERVER_TLS_KEY)),
                            num(values, ConfigKey.SERVER_MAX_FRAME_BYTES), num(values, ConfigKey.SERVER_IDLE_TIMEOUT_SECONDS),
                            num(values, ConfigKey.SERVER_SHUTDOWN_GRACE_SECONDS),
                            num(values, ConfigKey.SERVER_CLOSE_TIMEOUT_MS),
                            new Http(num(values, ConfigKey.SERVER_HTTP_REQUEST_TIMEOUT_MS),
                                    num(values, ConfigKey.SERVER_HTTP_IDLE_TIMEOUT_MS),
                                    num(values, ConfigKey.SERVER_HTTP_MAX_CONNECTIONS),
                                    num(values, ConfigKey.SERVER_HTTP_MAX_PIPELINED_REQUESTS)),
                            new Admin(str(values, ConfigKey.SERVER_ADMIN_HOST), adminPort(values, raw))),
                    new Store(str(values, ConfigKey.STORE_TYPE), (Path) values.get(ConfigKey.STORE_DATA_DIR),
                            Fsync.valueOf(str(values, ConfigKey.STORE_FSYNC).toUpperCase(Locale.ROOT)),
                            num(values, ConfigKey.STORE_BATCH_MAX),
                            new Cassandra(List.of(str(values, ConfigKey.STORE_CASSANDRA_CONTACT_POINTS).split("\\s*,\\s*")),
                                    str(values, ConfigKey.STORE_CASSANDRA_LOCAL_DATACENTER),
                                    str(values, ConfigKey.STORE_CASSANDRA_KEYSPACE),
                                    num(values, ConfigKey.STORE_CASSANDRA_REPLICATION_FACTOR),
                                    num(values, ConfigKey.STORE_CASSANDRA_REQUEST_TIMEOUT_MS))),
                    new Router(str(values, ConfigKey.ROUTER_TYPE),
                            new Kafka(str(values, ConfigKey.ROUTER_KAFKA_BOOTSTRAP_SERVERS),
                                    str(values, ConfigKey.ROUTER_KAFKA_TOPIC_PREFIX),
                                    num(values, ConfigKey.ROUTER_KAFKA_REPLICATION_FACTOR),
                                    num(values, ConfigKey.ROUTER_KAFKA_MIN_INSYNC_REPLICAS),
                                    num(values, ConfigKey.ROUTER_KAFKA_PARTITIONS),
                                    num(values, ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS),
                                    num(values, ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS),
                                    num(values, ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS),
                                    num(values, ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES))),
                    new Presence(str(values, ConfigKey.PRESENCE_TYPE),
                            new Redis(str(values, ConfigKey.PRESENCE_REDIS_URI),
                                    num(values, ConfigKey.PRESENCE_REDIS_ENTRY_TTL_SECONDS))),
                    new Push((Boolean) values.get(ConfigKey.PUSH_PREVIEWS), num(values, ConfigKey.PUSH_PREVIEW_MAX_CHARS),
                            num(values, ConfigKey.PUSH_MIN_INTERVAL_SECONDS), num(values, ConfigKey.PUSH_QUEUE_CAPACITY),
                            num(values, ConfigKey.PUSH_MAX_CONCURRENT), num(values, ConfigKey.PUSH_MAX_ATTEMPTS),
                            num(values, ConfigKey.PUSH_RETRY_BASE_MS), num(values, ConfigKey.PUSH_RETRY_MAX_MS),
                            num(values, ConfigKey.PUSH_MAX_TARGETS_PER_USER), num(values, ConfigKey.PUSH_TIMEOUT_MS),
                            (Boolean) values.get(ConfigKey.PUSH_ALLOW_PRIVATE_ADDRESSES),
                            new Webhook((Boolean) values.get(ConfigKey.PUSH_WEBHOOK_ENABLED),
                                    list(str(values, ConfigKey.PUSH_WEBHOOK_ALLOW_LIST)),
                                    str(values, ConfigKey.PUSH_WEBHOOK_SECRET),
                                    num(values, ConfigKey.PUSH_WEBHOOK_MAX_CONCURRENT)),
                            new WebPush((Boolean) values.get(ConfigKey.PUSH_WEBPUSH_ENABLED),
                                    str(values, ConfigKey.PUSH_WEBPUSH_PUBLIC_KEY),
                                    str(values, ConfigKey.PUSH_WEBPUSH_PRIVATE_KEY),
                                    str(values, ConfigKey.PUSH_WEBPUSH_SUBJECT),
                                    num(values, ConfigKey.PUSH_WEBPUSH_TTL_SECONDS),
                                    list(str(values, ConfigKey.PUSH_WEBPUSH_ALLOW_LIST))),
                            new Fcm((Boolean) values.get(ConfigKey.PUSH_FCM_ENABLED),
                                    str(values, ConfigKey.PUSH_FCM_PROJECT_ID),
                                    (Path) values.get(ConfigKey.PUSH_FCM_SERVICE_ACCOUNT_FILE),
                                    str(values, ConfigKey.PUSH_FCM_BASE_URL), str(values, ConfigKey.PUSH_FCM_TOKEN_URI)),
                            new Apns((Boolean) values.get(ConfigKey.PUSH_APNS_ENABLED),
                                    str(values, ConfigKey.PUSH_APNS_HOST), str(values, ConfigKey.PUSH_APNS_TOPIC),
                                    (Path) values.get(ConfigKey.PUSH_APNS_KEY_FILE),
                                    str(values, ConfigKey.PUSH_APNS_KEY_ID), str(values, ConfigKey.PUSH_APNS_TEAM_ID),
                                    (Path) values.get(ConfigKey.PUSH_APNS_CERT_FILE),
                                    str(values, ConfigKey.PUSH_APNS_CERT_PASSWORD),
                                    (Path) values.get(ConfigKey.PUSH_APNS_TRUSTED_CERT_FILE))),
                    new Limits(num(values, ConfigKey.LIMITS_MAX_BODY_BYTES), num(values, ConfigKey.LIMITS_MAX_GROUP_MEMBERS),
                            num(values, ConfigKey.LIMITS_INBOX_RETENTION_DAYS),
                            num(values, ConfigKey.LIMITS_RATE_LIMIT_PER_SECOND),
                            num(values, ConfigKey.LIMITS_RATE_LIMIT_BURST),
                            num(values, ConfigKey.LIMITS_MAX_OUTBOUND_BYTES),
                            num(values, ConfigKey.LIMITS_SYNC_BATCH_SIZE),
                            num(values, ConfigKey.LIMITS_ARGON2_MEMORY_KIB),
                            num(values, ConfigKey.LIMITS_ARGON2_ITERATIONS),
                            num(values, ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES),
                            new Abuse(num(values, ConfigKey.LIMITS_USER_SEND_PER_SECOND),
                                    num(values, ConfigKey.LIMITS_USER_SEND_BURST),
                                    num(values, ConfigKey.LIMITS_MAX_DEVICES_PER_USER),
                                    num(values, ConfigKey.LIMITS_HASH_QUEUE_SIZE),
                                    num(values, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE),
                                    num(values, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST),
                                    num(values, ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF),
                                    num(values, ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS),
                                    num(values, ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES)),
                            num(values, ConfigKey.LIMITS_MAX_CONTACTS),
                            num(values, ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE)),
                    new Metrics((Boolean) values.get(ConfigKey.METRICS_ENABLED)));
            if (config.store().type().equals("cassandra") != config.router().type().equals("kafka")) {
                throw new ConfigException("store.type cassandra and router.type kafka go together: in the scale-out "
                        + "mode Kafka is the ordered log of every write and Cassandra its queryable projection");
            }
            if (config.router().type().equals("kafka") && config.server().id().isEmpty()) {
                throw new ConfigException("server.id must be set when router.type is kafka: a server's Kafka topic and "
                        + "consumer group are named after it, so it must stay the same across restarts");
            }
            config.toSettings(); // surfaces any rule of the core that the ranges above missed
            return config;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("limits: " + e.getMessage());
        }
    }

    /**
     * The same configuration listening on {@code port}; 0 picks a free port, for the API and the
     * admin listener both (a throwaway server never takes a fixed port).
     */
    public ServerConfig withPort(int port) {
        return new ServerConfig(server.withPort(port), store, router, presence, push, limits, metrics);
    }

    /** The same configuration with the store under {@code dataDir}. */
    public ServerConfig withDataDir(Path dataDir) {
        return new ServerConfig(server, new Store(store.type(), dataDir, store.fsync(), store.batchMax(),
                store.cassandra()), router,
                presence, push, limits, metrics);
    }

    /** The same configuration with other limits (tests use cheap password hashing). */
    public ServerConfig withLimits(Limits limits) {
        return new ServerConfig(server, store, router, presence, push, limits, metrics);
    }

    /** The same configuration with other push settings. */
    public ServerConfig withPush(Push push) {
        return new ServerConfig(server, store, router, presence, push, limits, metrics);
    }

    /** The same configuration with other network settings. */
    public ServerConfig withServer(Server server) {
        return new ServerConfig(server, store, router, presence, push, limits, metrics);
    }

    /**
     * The core's settings. The core's heartbeat timeout is {@code server.idleTimeoutSeconds}:
     * one knob, so the server never closes a connection the core still considers alive or the
     * other way round. An empty {@code server.id} becomes a random id.
     */
    public ParleySettings toSettings() {
        ParleySettings d = ParleySettings.defaults();
        return new ParleySettings(server.id().isEmpty() ? d.serverId() : server.id(), limits.maxBodyBytes(),
                limits.maxGroupMembers(), Duration.ofDays(limits.inboxRetentionDays()), server.idleTimeout(),
                limits.rateLimitPerSecond(), limits.rateLimitBurst(), limits.maxOutboundBytes(), limits.syncBatchSize(),
                limits.argon2MemoryKiB(), limits.argon2Iterations(), limits.abuse().userSendPerSecond(),
                limits.abuse().userSendBurst(), limits.abuse().maxDevicesPerUser(), limits.abuse().hashQueueSize(),
                limits.abuse().loginThrottle(), limits.maxContacts(), limits.membershipChangesPerMinute());
    }

    // ---- helpers --------------------------------------------------------------------------

    private record Raw(String value, String source) {
    }

    private static void readYaml(Path file, Map<ConfigKey, Raw> raw, List<String> problems) {
        JsonNode root;
        try {
            if (!Files.isRegularFile(file)) {
                problems.add("config file " + file + " does not exist or is not a file");
                return;
            }
            root = new YAMLMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            problems.add("config file " + file + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
            return;
        } catch (IOException e) {
            problems.add("config file " + file + " cannot be read: " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file means all defaults
        }
        if (!root.isObject()) {
            problems.add("config file " + file + " must be a YAML mapping of sections (server:, store:, ...)");
            return;
        }
        flatten("", root, file, raw, problems);
    }

    private static void flatten(String prefix, JsonNode node, Path file, Map<ConfigKey, Raw> raw, List<String> problems) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            ConfigKey key = ConfigKey.byPath(path);
            if (v.isObject() && key == null) {
                flatten(path, v, file, raw, problems);
            } else if (key == null) {
                problems.add("unknown key \"" + path + "\" in " + file + "; known keys: "
                        + String.join(", ", ConfigKey.siblingsOf(path)));
            } else if (v.isContainerNode()) {
                problems.add(path + " in " + file + " must be a single value, not a list or mapping");
            } else {
                raw.put(key, new Raw(v.isNull() ? null : v.asText().strip(), file.toString()));
            }
        }
    }

    private static Object convert(ConfigKey k, Raw r, List<String> problems) {
        String v = r.value();
        if (v == null || (v.isEmpty() && k.kind == ConfigKey.Kind.PATH && k.defaultValue == null)) {
            if (k.defaultValue == null) {
                return null; // optional and unset
            }
            v = k.defaultValue;
        }
        String where = " (from " + r.source() + ")";
        switch (k.kind) {
            case STRING:
                return v;
            case INT:
                try {
                    long n = Long.parseLong(v.replace("_", ""));
                    if (n < k.min || n > k.max) {
                        problems.add(k.path + " = " + v + where + ": must be between " + k.min + " and " + k.max);
                        return null;
                    }
                    return (int) n;
                } catch (NumberFormatException e) {
                    problems.add(k.path + " = \"" + v + "\"" + where + ": must be a whole number between "
                            + k.min + " and " + k.max);
                    return null;
                }
            case BOOL:
                if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(v);
                }
                problems.add(k.path + " = \"" + v + "\"" + where + ": must be true or false");
                return null;
            case PATH:
                try {
                    if (v.isEmpty()) {
                        problems.add(k.path + where + ": must not be empty");
                        return null;
                    }
                    return Path.of(v);
                } catch (InvalidPathException e) {
                    problems.add(k.path + " = \"" + v + "\"" + where + ": not a valid path: " + e.getReason());
                    return null;
                }
            case CHOICE:
                String lower = v.toLowerCase(Locale.ROOT);
                if (k.choices.contains(lower)) {
                    return lower;
                }
                problems.add(k.path + " = \"" + v + "\"" + where + ": must be one of " + String.join(", ", k.choices)
                        + " in this version");
                return null;
            default:
                throw new IllegalStateException("unhandled kind " + k.kind);
        }
    }

    private static void checkReadable(ConfigKey k, Map<ConfigKey, Object> values, Map<ConfigKey, Raw> raw,
                                      List<String> problems) {
        Path p = (Path) values.get(k);
        if (p != null && !Files.isReadable(p)) {
            problems.add(k.path + " = " + p + " (from " + raw.get(k).source() + "): file does not exist or is not readable");
        }
    }

    /** {@code server.admin.port}; when it is not set and {@code server.port} is 0, 0 as well. */
    private static int adminPort(Map<ConfigKey, Object> values, Map<ConfigKey, Raw> raw) {
        boolean unset = raw.get(ConfigKey.SERVER_ADMIN_PORT).source().equals("default");
        return unset && num(values, ConfigKey.SERVER_PORT) == 0 ? 0 : num(values, ConfigKey.SERVER_ADMIN_PORT);
    }

    private static List<String> list(String commaSeparated) {
        return java.util.Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    private static String str(Map<ConfigKey, Object> values, ConfigKey k) {
        return (String) values.get(k);
    }

    private static int num(Map<ConfigKey, Object> values, ConfigKey k) {
        return (Integer) values.get(k);
    }

    private static void range(List<String> problems, ConfigKey k, long value) {
        if (value < k.min || value > k.max) {
            problems.add(k.path + " = " + value + ": must be between " + k.min + " and " + k.max);
        }
    }

    private static void text(List<String> problems, ConfigKey k, String value) {
        if (value.length() < k.min || value.length() > k.max) {
            problems.add(k.path + " must be " + k.min + " to " + k.max + " characters");
        }
    }

    private static void choice(List<String> problems, ConfigKey k, String value) {
        if (value == null || !k.choices.contains(value)) {
            problems.add(k.path + " = \"" + value + "\": must be one of " + String.join(", ", k.choices));
        }
    }

    private static void throwIf(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
