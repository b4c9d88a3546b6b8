package dev.parley.server.config;

import java.util.List;
import java.util.Locale;

/**
 * Every configuration key, defined once: its YAML path, its type and range, its default and its
 * environment variable ({@code PARLEY_} + the constant's name, which is the path in upper snake
 * case). {@code parley-default.yaml} lists the same keys with the same defaults; a test keeps the
 * two in step.
 */
enum ConfigKey {
    SERVER_ID("server.id", Kind.STRING, "", 0, 64,
            "this server's id in presence and routing; empty = a random id at each start"),
    SERVER_HOST("server.host", Kind.STRING, "127.0.0.1", 1, 255,
            "address to listen on; 0.0.0.0 for every interface"),
    SERVER_PORT("server.port", Kind.INT, "8080", 0, 65_535, "TCP port; 0 picks a free port"),
    SERVER_TLS_CERT("server.tls.cert", Kind.PATH, null, 0, 0,
            "PEM certificate chain; with server.tls.key enables https/wss"),
    SERVER_TLS_KEY("server.tls.key", Kind.PATH, null, 0, 0, "PEM private key (PKCS#8) for server.tls.cert"),
    SERVER_MAX_FRAME_BYTES("server.maxFrameBytes", Kind.INT, "131072", 1_024, 16 << 20,
            "largest WebSocket text frame in bytes; larger ones get FRAME_TOO_LARGE, above 4x the connection closes (1009)"),
    SERVER_IDLE_TIMEOUT_SECONDS("server.idleTimeoutSeconds", Kind.INT, "60", 5, 86_400,
            "a connection that sends nothing this long is closed (1001); also the heartbeat timeout of presence"),
    SERVER_SHUTDOWN_GRACE_SECONDS("server.shutdownGraceSeconds", Kind.INT, "5", 0, 600,
            "on shutdown, clients are told to reconnect spread over this many seconds before connections close"),
    SERVER_CLOSE_TIMEOUT_MS("server.closeTimeoutMs", Kind.INT, "5000", 100, 600_000,
            "a WebSocket close frame not written within this many milliseconds (the peer does not read) drops the socket"),
    SERVER_HTTP_REQUEST_TIMEOUT_MS("server.http.requestTimeoutMs", Kind.INT, "30000", 100, 600_000,
            "an HTTP request (headers and body) must arrive within this many milliseconds of its first byte; "
                    + "else 408 and the connection closes"),
    SERVER_HTTP_IDLE_TIMEOUT_MS("server.http.idleTimeoutMs", Kind.INT, "30000", 100, 3_600_000,
            "a keep-alive HTTP connection with no request in progress is closed after this many milliseconds"),
    SERVER_HTTP_MAX_CONNECTIONS("server.http.maxConnections", Kind.INT, "2048", 1, 1_000_000,
            "most open connections that are not (yet) WebSockets; more are closed as they are accepted"),
    SERVER_HTTP_MAX_PIPELINED_REQUESTS("server.http.maxPipelinedRequests", Kind.INT, "16", 1, 1_024,
            "requests one HTTP connection may have waiting for their answers; the server stops reading above it"),
    SERVER_ADMIN_HOST("server.admin.host", Kind.STRING, "127.0.0.1", 1, 255,
            "address of the admin listener (GET /metrics, GET /health); keep it private"),
    SERVER_ADMIN_PORT("server.admin.port", Kind.INT, "9464", 0, 65_535,
            "port of the admin listener; 0 picks a free port, as does leaving it unset while server.port is 0"),
    STORE_TYPE("store.type", Kind.CHOICE, "rocksdb", 0, 0,
            "message and account store: rocksdb (embedded) or cassandra (scale-out)", "rocksdb", "cassandra"),
    STORE_DATA_DIR("store.dataDir", Kind.PATH, "./data", 0, 0,
            "directory of the embedded store (relative to the working directory)"),
    STORE_FSYNC("store.fsync", Kind.CHOICE, "always", 0, 0,
            "always: a write is synced to disk before it is acknowledged (survives power loss); "
                    + "never: left to the OS (survives a process crash, not a power loss)", "always", "never"),
    STORE_BATCH_MAX("store.batchMax", Kind.INT, "512", 1, 100_000, "most writes committed (and synced) as one group"),
    STORE_CASSANDRA_CONTACT_POINTS("store.cassandra.contactPoints", Kind.STRING, "127.0.0.1:9042", 1, 4096,
            "comma-separated host:port of Cassandra nodes the driver first contacts"),
    STORE_CASSANDRA_LOCAL_DATACENTER("store.cassandra.localDatacenter", Kind.STRING, "datacenter1", 1, 128,
            "the Cassandra data center whose nodes serve this server's requests"),
    STORE_CASSANDRA_KEYSPACE("store.cassandra.keyspace", Kind.STRING, "parley", 1, 48,
            "keyspace holding Parley's tables (created if absent)"),
    STORE_CASSANDRA_REPLICATION_FACTOR("store.cassandra.replicationFactor", Kind.INT, "1", 1, 15,
            "replication factor used when the keyspace is created (3 on a real cluster)"),
    STORE_CASSANDRA_REQUEST_TIMEOUT_MS("store.cassandra.requestTimeoutMs", Kind.INT, "10000", 100, 600_000,
            "how long the driver waits for one request, in milliseconds"),
    ROUTER_TYPE("router.type", Kind.CHOICE, "in-process", 0, 0,
            "routing between chat servers: in-process (one server) or kafka (scale-out)", "in-process", "kafka"),
    ROUTER_KAFKA_BOOTSTRAP_SERVERS("router.kafka.bootstrapServers", Kind.STRING, "127.0.0.1:9092", 1, 4096,
            "Kafka bootstrap.servers"),
    ROUTER_KAFKA_TOPIC_PREFIX("router.kafka.topicPrefix", Kind.STRING, "parley.", 0, 128,
            "prefix of Parley's topics and consumer groups; a server's topic is <prefix>server.<server.id>"),
    ROUTER_KAFKA_REPLICATION_FACTOR("router.kafka.replicationFactor", Kind.INT, "1", 1, 15,
            "replication factor of the topics Parley creates (3 on a real cluster)"),
    ROUTER_KAFKA_MIN_INSYNC_REPLICAS("router.kafka.minInsyncReplicas", Kind.INT, "1", 1, 15,
            "min.insync.replicas of the topics Parley creates (2 with replication factor 3)"),
    ROUTER_KAFKA_PARTITIONS("router.kafka.partitions", Kind.INT, "12", 1, 10_000,
            "partitions of each conversation log topic: at most this many chat servers share the sequencing; "
                    + "fixed once the topics exist"),
    ROUTER_KAFKA_COMMIT_INTERVAL_MS("router.kafka.commitIntervalMs", Kind.INT, "10", 1, 60_000,
            "how often the log's exactly-once transactions commit, in milliseconds: a floor under send latency"),
    ROUTER_KAFKA_SESSION_TIMEOUT_MS("router.kafka.sessionTimeoutMs", Kind.INT, "10000", 1_000, 300_000,
            "how long a silent (dead or paused) chat server keeps its log partitions before they move"),
    ROUTER_KAFKA_REQUEST_TIMEOUT_MS("router.kafka.requestTimeoutMs", Kind.INT, "10000", 100, 600_000,
            "how long a write waits for the log's answer before failing as retryable (UNAVAILABLE)"),
    ROUTER_KAFKA_MAX_PENDING_WRITES("router.kafka.maxPendingWrites", Kind.INT, "10000", 1, 10_000_000,
            "writes one server may have waiting for the log; beyond it a write is refused at once (UNAVAILABLE)"),
    PRESENCE_TYPE("presence.type", Kind.CHOICE, "in-memory", 0, 0,
            "presence registry: in-memory (one server) or redis (scale-out)", "in-memory", "redis"),
    PRESENCE_REDIS_URI("presence.redis.uri", Kind.STRING, "redis://127.0.0.1:6379", 1, 4096,
            "Redis URI (Lettuce syntax: rediss:// for TLS, redis-sentinel:// for Sentinel)"),
    PRESENCE_REDIS_ENTRY_TTL_SECONDS("presence.redis.entryTtlSeconds", Kind.INT, "60", 1, 86_400,
            "a device entry not refreshed for this long expires: a dead server's users go offline by themselves"),
    PUSH_PREVIEWS("push.previews", Kind.BOOL, "false", 0, 0,
            "include the latest message's conversation, sender and body in pushes; false = a data-only wake-up"),
    PUSH_PREVIEW_MAX_CHARS("push.previewMaxChars", Kind.INT, "100", 1, 500,
            "longest body in a preview (providers cap a push at 4 KiB)"),
    PUSH_MIN_INTERVAL_SECONDS("push.minIntervalSeconds", Kind.INT, "30", 0, 86_400,
            "least time between two pushes to one device; messages in between are coalesced into the next push"),
    PUSH_QUEUE_CAPACITY("push.queueCapacity", Kind.INT, "100000", 1, 10_000_000,
            "most devices waiting for a push; beyond it a push is dropped and counted (parley.push.dropped)"),
    PUSH_MAX_CONCURRENT("push.maxConcurrent", Kind.INT, "64", 1, 10_000,
            "most push requests in flight at once, all providers together (bounds outbound sockets)"),
    PUSH_MAX_ATTEMPTS("push.maxAttempts", Kind.INT, "5", 1, 100, "tries of one push on retryable answers"),
    PUSH_RETRY_BASE_MS("push.retryBaseMs", Kind.INT, "1000", 1, 3_600_000,
            "first backoff after a retryable answer; doubles with each try"),
    PUSH_RETRY_MAX_MS("push.retryMaxMs", Kind.INT, "300000", 1, 86_400_000,
            "longest backoff, also the cap on a provider's Retry-After"),
    PUSH_MAX_TARGETS_PER_USER("push.maxTargetsPerUser", Kind.INT, "10", 1, 1_000,
            "most devices of one user with a push target (TOO_MANY_PUSH_TARGETS above)"),
    PUSH_TIMEOUT_MS("push.timeoutMs", Kind.INT, "5000", 100, 120_000,
            "connect and request timeout of one push request in milliseconds"),
    PUSH_ALLOW_PRIVATE_ADDRESSES("push.allowPrivateAddresses", Kind.BOOL, "false", 0, 0,
            "let webhook and Web Push URLs reach loopback, private, link-local and metadata addresses (tests only)"),
    PUSH_WEBHOOK_ENABLED("push.webhook.enabled", Kind.BOOL, "true", 0, 0, "send pushes to webhook URLs"),
    PUSH_WEBHOOK_ALLOW_LIST("push.webhook.allowList", Kind.STRING, "", 0, 8_192,
            "comma-separated hosts webhooks may go to (host or *.domain); empty = any host with public addresses"),
    PUSH_WEBHOOK_SECRET("push.webhook.secret", Kind.STRING, "", 0, 1_024,
            "HMAC-SHA256 key of the X-Parley-Signature header; empty = unsigned"),
    PUSH_WEBHOOK_MAX_CONCURRENT("push.webhook.maxConcurrent", Kind.INT, "32", 1, 10_000,
            "most webhook POSTs open at once"),
    PUSH_WEBPUSH_ENABLED("push.webpush.enabled", Kind.BOOL, "false", 0, 0, "send Web Push (browsers, UnifiedPush)"),
    PUSH_WEBPUSH_PUBLIC_KEY("push.webpush.publicKey", Kind.STRING, "", 0, 200,
            "VAPID public key, base64url (./parley vapid-keys makes a pair)"),
    PUSH_WEBPUSH_PRIVATE_KEY("push.webpush.privateKey", Kind.STRING, "", 0, 200, "VAPID private key, base64url"),
    PUSH_WEBPUSH_SUBJECT("push.webpush.subject", Kind.STRING, "", 0, 1_024,
            "VAPID contact for push services: mailto:... or https://..."),
    PUSH_WEBPUSH_TTL_SECONDS("push.webpush.ttlSeconds", Kind.INT, "86400", 0, 2_419_200,
            "how long a push service keeps an undelivered push"),
    PUSH_WEBPUSH_ALLOW_LIST("push.webpush.allowList", Kind.STRING, "", 0, 8_192,
            "comma-separated push service hosts subscriptions may point at; empty = any host with public addresses"),
    PUSH_FCM_ENABLED("push.fcm.enabled", Kind.BOOL, "false", 0, 0, "send through Firebase Cloud Messaging"),
    PUSH_FCM_PROJECT_ID("push.fcm.projectId", Kind.STRING, "", 0, 128, "the Firebase project id"),
    PUSH_FCM_SERVICE_ACCOUNT_FILE("push.fcm.serviceAccountFile", Kind.PATH, null, 0, 0,
            "the service account's JSON key file"),
    PUSH_FCM_BASE_URL("push.fcm.baseUrl", Kind.STRING, "https://fcm.googleapis.com", 1, 1_024, "the FCM API root"),
    PUSH_FCM_TOKEN_URI("push.fcm.tokenUri", Kind.STRING, "", 0, 1_024,
            "OAuth2 token endpoint; empty = the key file's token_uri"),
    PUSH_APNS_ENABLED("push.apns.enabled", Kind.BOOL, "false", 0, 0, "send through Apple Push Notification service"),
    PUSH_APNS_HOST("push.apns.host", Kind.STRING, "production", 1, 255,
            "production, sandbox, or host[:port] of another APNs endpoint"),
    PUSH_APNS_TOPIC("push.apns.topic", Kind.STRING, "", 0, 255, "the app's bundle id (apns-topic)"),
    PUSH_APNS_KEY_FILE("push.apns.keyFile", Kind.PATH, null, 0, 0,
            "token auth: the .p8 signing key (with push.apns.keyId and push.apns.teamId)"),
    PUSH_APNS_KEY_ID("push.apns.keyId", Kind.STRING, "", 0, 64, "token auth: the key's id"),
    PUSH_APNS_TEAM_ID("push.apns.teamId", Kind.STRING, "", 0, 64, "token auth: the developer team id"),
    PUSH_APNS_CERT_FILE("push.apns.certFile", Kind.PATH, null, 0, 0,
            "certificate auth: a PKCS#12 file with the client certificate and key (instead of a .p8 key)"),
    PUSH_APNS_CERT_PASSWORD("push.apns.certPassword", Kind.STRING, "", 0, 1_024, "password of push.apns.certFile"),
    PUSH_APNS_TRUSTED_CERT_FILE("push.apns.trustedCertFile", Kind.PATH, null, 0, 0,
            "PEM CA certificate(s) to trust for the APNs host instead of the JVM's (a private gateway, tests)"),
    LIMITS_MAX_BODY_BYTES("limits.maxBodyBytes", Kind.INT, "65536", 1, 16 << 20,
            "largest message body in UTF-8 bytes (MESSAGE_TOO_LARGE above)"),
    LIMITS_MAX_GROUP_MEMBERS("limits.maxGroupMembers", Kind.INT, "1024", 2, 100_000,
            "largest group, creator included (GROUP_FULL above)"),
    LIMITS_INBOX_RETENTION_DAYS("limits.inboxRetentionDays", Kind.INT, "30", 1, 36_500,
            "how long undelivered inbox entries are kept"),
    LIMITS_RATE_LIMIT_PER_SECOND("limits.rateLimitPerSecond", Kind.INT, "100", 1, 10_000_000,
            "sustained frames per second per connection, and REST requests per second per device (RATE_LIMITED above)"),
    LIMITS_RATE_LIMIT_BURST("limits.rateLimitBurst", Kind.INT, "200", 1, 10_000_000,
            "frames a connection may send at once above the rate"),
    LIMITS_MAX_OUTBOUND_BYTES("limits.maxOutboundBytes", Kind.INT, "262144", 4096, 64 << 20,
            "bytes waiting for one slow connection before live delivery pauses and resumes from the store"),
    LIMITS_OUTBOUND_HARD_LIMIT_BYTES("limits.outboundHardLimitBytes", Kind.INT, "16777216", 8192, 1 << 30,
            "bytes waiting for one connection above which it is closed (1008); at least limits.maxOutboundBytes"),
    LIMITS_SYNC_BATCH_SIZE("limits.syncBatchSize", Kind.INT, "256", 1, 10_000,
            "inbox entries read per batch while a device catches up"),
    LIMITS_ARGON2_MEMORY_KIB("limits.argon2MemoryKiB", Kind.INT, "19456", 8, 4 << 20,
            "Argon2id memory cost of password hashes in KiB"),
    LIMITS_ARGON2_ITERATIONS("limits.argon2Iterations", Kind.INT, "2", 1, 100, "Argon2id time cost"),
    LIMITS_USER_SEND_PER_SECOND("limits.userSendPerSecond", Kind.INT, "100", 1, 10_000_000,
            "sustained send frames per second of one user over all its connections to a server (RATE_LIMITED above)"),
    LIMITS_USER_SEND_BURST("limits.userSendBurst", Kind.INT, "200", 1, 10_000_000,
            "sends one user may make at once above limits.userSendPerSecond"),
    LIMITS_MAX_DEVICES_PER_USER("limits.maxDevicesPerUser", Kind.INT, "16", 1, 10_000,
            "most devices one user may have logged in; one more login gets DEVICE_LIMIT_REACHED"),
    LIMITS_HASH_QUEUE_SIZE("limits.hashQueueSize", Kind.INT, "64", 1, 1_000_000,
            "password hashes that may wait for a hashing thread; beyond, logins and registrations get SERVER_BUSY"),
    LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE("limits.authAttemptsPerIpPerMinute", Kind.INT, "60", 1, 60_000_000,
            "sustained registrations and logins per client address (IPv6: per /64) a minute (RATE_LIMITED above)"),
    LIMITS_AUTH_ATTEMPTS_PER_IP_BURST("limits.authAttemptsPerIpBurst", Kind.INT, "30", 1, 10_000_000,
            "registrations and logins one client address may make at once"),
    LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF("limits.loginFailuresBeforeBackoff", Kind.INT, "5", 1, 1_000_000,
            "failed logins in a row after which an account backs off (1 s, doubling with each further failure)"),
    LIMITS_LOGIN_MAX_BACKOFF_SECONDS("limits.loginMaxBackoffSeconds", Kind.INT, "900", 1, 86_400,
            "longest back-off of an account after failed logins; failures are forgotten this long after it ends"),
    LIMITS_AUTH_THROTTLE_MAX_ENTRIES("limits.authThrottleMaxEntries", Kind.INT, "100000", 16, 100_000_000,
            "most client addresses and accounts the login throttle tracks (least recently used dropped beyond)"),
    LIMITS_MAX_CONTACTS("limits.maxContacts", Kind.INT, "5000", 1, 1_000_000,
            "most users in one contact list (CONTACTS_FULL above)"),
    LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE("limits.membershipChangesPerMinute", Kind.INT, "20", 1, 1_000_000,
            "group changes (create, rename, add, remove, promote; not leave) per group and per acting user in a"
                    + " minute, per server (RATE_LIMITED above)"),
    METRICS_ENABLED("metrics.enabled", Kind.BOOL, "true", 0, 0, "serve Prometheus metrics on GET /metrics of the admin listener (server.admin.*)");

    enum Kind { STRING, INT, BOOL, PATH, CHOICE }

    final String path;
    final Kind kind;
    /** Default in its textual form; null for an optional key that is unset by default. */
    final String defaultValue;
    final long min;
    final long max;
    final String doc;
    final List<String> choices;

    ConfigKey(String path, Kind kind, String defaultValue, long min, long max, String doc, String... choices) {
        this.path = path;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.doc = doc;
        this.choices = List.of(choices);
    }

    /** The environment variable that overrides this key. */
    String envName() {
        return "PARLEY_" + name();
    }

    static ConfigKey byPath(String path) {
        for (ConfigKey k : values()) {
            if (k.path.equals(path)) {
                return k;
            }
        }
        return null;
    }

    /** The known keys in the same section as {@code path}, for a helpful "unknown key" message. */
    static List<String> siblingsOf(String path) {
        int dot = path.indexOf('.');
        String section = (dot < 0 ? path : path.substring(0, dot)).toLowerCase(Locale.ROOT) + ".";
        List<String> same = java.util.Arrays.stream(values()).map(k -> k.path)
                .filter(p -> p.toLowerCase(Locale.ROOT).startsWith(section)).toList();
        if (!same.isEmpty()) {
            return same;
        }
        return java.util.Arrays.stream(values()).map(k -> k.path.substring(0, k.path.indexOf('.'))).distinct().toList();
    }
}
