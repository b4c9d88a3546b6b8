package dev.parley.server.config;

import dev.parley.core.ParleySettings;
import java.nio.file.Path;
import java.time.Duration;
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
 * <p>One file per section declares that section's records ({@link ServerSection},
 * {@link StoreSection}, {@link RouterSection}, {@link PresenceSection}, {@link PushSection},
 * {@link LimitsSection}); this record implements them so that they keep their names
 * ({@code ServerConfig.Server}, {@code ServerConfig.Limits}, ...). {@link ConfigValues} reads the
 * file and the environment, {@link ConfigKey} defines every key.
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
                           Metrics metrics)
        implements ServerSection, StoreSection, RouterSection, PresenceSection, PushSection, LimitsSection {

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
        ConfigValues v = ConfigValues.read(file, env);
        try {
            // Left to right, as before the split: the first section that is wrong throws.
            ServerConfig config = new ServerConfig(server(v), store(v), router(v), presence(v), push(v), limits(v),
                    new Metrics(v.bool(ConfigKey.METRICS_ENABLED)));
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
                store.commitIntervalMicros(), store.cassandra()), router,
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
        ParleySettings.Builder b = ParleySettings.builder()
                .maxBodyBytes(limits.maxBodyBytes())
                .maxGroupMembers(limits.maxGroupMembers())
                .inboxRetention(Duration.ofDays(limits.inboxRetentionDays()))
                .heartbeatTimeout(server.idleTimeout())
                .rateLimit(limits.rateLimitPerSecond(), limits.rateLimitBurst())
                .maxOutboundBytes(limits.maxOutboundBytes())
                .syncBatchSize(limits.syncBatchSize())
                .argon2(limits.argon2MemoryKiB(), limits.argon2Iterations())
                .userSendLimit(limits.abuse().userSendPerSecond(), limits.abuse().userSendBurst())
                .maxDevicesPerUser(limits.abuse().maxDevicesPerUser())
                .hashQueueSize(limits.abuse().hashQueueSize())
                .loginThrottle(limits.abuse().loginThrottle())
                .maxContacts(limits.maxContacts())
                .membershipChangesPerMinute(limits.membershipChangesPerMinute());
        if (!server.id().isEmpty()) {
            b.serverId(server.id());
        }
        return b.build();
    }

    // ---- one reader per section -----------------------------------------------------------

    private static Server server(ConfigValues v) {
        return new Server(v.str(ConfigKey.SERVER_ID), v.str(ConfigKey.SERVER_HOST), v.num(ConfigKey.SERVER_PORT),
                new Tls(v.path(ConfigKey.SERVER_TLS_CERT), v.path(ConfigKey.SERVER_TLS_KEY)),
                v.num(ConfigKey.SERVER_MAX_FRAME_BYTES), v.num(ConfigKey.SERVER_IDLE_TIMEOUT_SECONDS),
                v.num(ConfigKey.SERVER_SHUTDOWN_GRACE_SECONDS), v.num(ConfigKey.SERVER_CLOSE_TIMEOUT_MS),
                new Http(v.num(ConfigKey.SERVER_HTTP_REQUEST_TIMEOUT_MS), v.num(ConfigKey.SERVER_HTTP_IDLE_TIMEOUT_MS),
                        v.num(ConfigKey.SERVER_HTTP_MAX_CONNECTIONS), v.num(ConfigKey.SERVER_HTTP_MAX_PIPELINED_REQUESTS)),
                new Admin(v.str(ConfigKey.SERVER_ADMIN_HOST), adminPort(v)));
    }

    /** {@code server.admin.port}; when it is not set and {@code server.port} is 0, 0 as well. */
    private static int adminPort(ConfigValues v) {
        return !v.isSet(ConfigKey.SERVER_ADMIN_PORT) && v.num(ConfigKey.SERVER_PORT) == 0
                ? 0 : v.num(ConfigKey.SERVER_ADMIN_PORT);
    }

    private static Store store(ConfigValues v) {
        return new Store(v.str(ConfigKey.STORE_TYPE), v.path(ConfigKey.STORE_DATA_DIR),
                Fsync.valueOf(v.str(ConfigKey.STORE_FSYNC).toUpperCase(Locale.ROOT)), v.num(ConfigKey.STORE_BATCH_MAX),
                v.num(ConfigKey.STORE_COMMIT_INTERVAL_MICROS),
                new Cassandra(List.of(v.str(ConfigKey.STORE_CASSANDRA_CONTACT_POINTS).split("\\s*,\\s*")),
                        v.str(ConfigKey.STORE_CASSANDRA_LOCAL_DATACENTER), v.str(ConfigKey.STORE_CASSANDRA_KEYSPACE),
                        v.num(ConfigKey.STORE_CASSANDRA_REPLICATION_FACTOR),
                        v.num(ConfigKey.STORE_CASSANDRA_REQUEST_TIMEOUT_MS)));
    }

    private static Router router(ConfigValues v) {
        return new Router(v.str(ConfigKey.ROUTER_TYPE),
                new Kafka(v.str(ConfigKey.ROUTER_KAFKA_BOOTSTRAP_SERVERS), v.str(ConfigKey.ROUTER_KAFKA_TOPIC_PREFIX),
                        v.num(ConfigKey.ROUTER_KAFKA_REPLICATION_FACTOR), v.num(ConfigKey.ROUTER_KAFKA_MIN_INSYNC_REPLICAS),
                        v.num(ConfigKey.ROUTER_KAFKA_PARTITIONS), v.num(ConfigKey.ROUTER_KAFKA_COMMIT_INTERVAL_MS),
                        v.num(ConfigKey.ROUTER_KAFKA_SESSION_TIMEOUT_MS), v.num(ConfigKey.ROUTER_KAFKA_REQUEST_TIMEOUT_MS),
                        v.num(ConfigKey.ROUTER_KAFKA_MAX_PENDING_WRITES)));
    }

    private static Presence presence(ConfigValues v) {
        return new Presence(v.str(ConfigKey.PRESENCE_TYPE),
                new Redis(v.str(ConfigKey.PRESENCE_REDIS_URI), v.num(ConfigKey.PRESENCE_REDIS_ENTRY_TTL_SECONDS)));
    }

    private static Push push(ConfigValues v) {
        return new Push(v.bool(ConfigKey.PUSH_PREVIEWS), v.num(ConfigKey.PUSH_PREVIEW_MAX_CHARS),
                v.num(ConfigKey.PUSH_MIN_INTERVAL_SECONDS), v.num(ConfigKey.PUSH_QUEUE_CAPACITY),
                v.num(ConfigKey.PUSH_MAX_CONCURRENT), v.num(ConfigKey.PUSH_MAX_ATTEMPTS), v.num(ConfigKey.PUSH_RETRY_BASE_MS),
                v.num(ConfigKey.PUSH_RETRY_MAX_MS), v.num(ConfigKey.PUSH_MAX_TARGETS_PER_USER),
                v.num(ConfigKey.PUSH_TIMEOUT_MS), v.bool(ConfigKey.PUSH_ALLOW_PRIVATE_ADDRESSES),
                new Webhook(v.bool(ConfigKey.PUSH_WEBHOOK_ENABLED), v.list(ConfigKey.PUSH_WEBHOOK_ALLOW_LIST),
                        v.str(ConfigKey.PUSH_WEBHOOK_SECRET), v.num(ConfigKey.PUSH_WEBHOOK_MAX_CONCURRENT)),
                new WebPush(v.bool(ConfigKey.PUSH_WEBPUSH_ENABLED), v.str(ConfigKey.PUSH_WEBPUSH_PUBLIC_KEY),
                        v.str(ConfigKey.PUSH_WEBPUSH_PRIVATE_KEY), v.str(ConfigKey.PUSH_WEBPUSH_SUBJECT),
                        v.num(ConfigKey.PUSH_WEBPUSH_TTL_SECONDS), v.list(ConfigKey.PUSH_WEBPUSH_ALLOW_LIST)),
                new Fcm(v.bool(ConfigKey.PUSH_FCM_ENABLED), v.str(ConfigKey.PUSH_FCM_PROJECT_ID),
                        v.path(ConfigKey.PUSH_FCM_SERVICE_ACCOUNT_FILE), v.str(ConfigKey.PUSH_FCM_BASE_URL),
                        v.str(ConfigKey.PUSH_FCM_TOKEN_URI)),
                new Apns(v.bool(ConfigKey.PUSH_APNS_ENABLED), v.str(ConfigKey.PUSH_APNS_HOST),
                        v.str(ConfigKey.PUSH_APNS_TOPIC), v.path(ConfigKey.PUSH_APNS_KEY_FILE),
                        v.str(ConfigKey.PUSH_APNS_KEY_ID), v.str(ConfigKey.PUSH_APNS_TEAM_ID),
                        v.path(ConfigKey.PUSH_APNS_CERT_FILE), v.str(ConfigKey.PUSH_APNS_CERT_PASSWORD),
                        v.path(ConfigKey.PUSH_APNS_TRUSTED_CERT_FILE)));
    }

    private static Limits limits(ConfigValues v) {
        return new Limits(v.num(ConfigKey.LIMITS_MAX_BODY_BYTES), v.num(ConfigKey.LIMITS_MAX_GROUP_MEMBERS),
                v.num(ConfigKey.LIMITS_INBOX_RETENTION_DAYS), v.num(ConfigKey.LIMITS_RATE_LIMIT_PER_SECOND),
                v.num(ConfigKey.LIMITS_RATE_LIMIT_BURST), v.num(ConfigKey.LIMITS_MAX_OUTBOUND_BYTES),
                v.num(ConfigKey.LIMITS_SYNC_BATCH_SIZE), v.num(ConfigKey.LIMITS_ARGON2_MEMORY_KIB),
                v.num(ConfigKey.LIMITS_ARGON2_ITERATIONS), v.num(ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES),
                new Abuse(v.num(ConfigKey.LIMITS_USER_SEND_PER_SECOND), v.num(ConfigKey.LIMITS_USER_SEND_BURST),
                        v.num(ConfigKey.LIMITS_MAX_DEVICES_PER_USER), v.num(ConfigKey.LIMITS_HASH_QUEUE_SIZE),
                        v.num(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE),
                        v.num(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST),
                        v.num(ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF),
                        v.num(ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS),
                        v.num(ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES)),
                v.num(ConfigKey.LIMITS_MAX_CONTACTS), v.num(ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE));
    }
}
