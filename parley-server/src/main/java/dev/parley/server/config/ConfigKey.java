package dev.parley.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every configuration key, defined once: its YAML path, its type and range, its default, its
 * environment variable ({@code PARLEY_} + the constant's name, which is the path in upper snake
 * case) and its documentation. {@code parley-default.yaml} and the key table of
 * docs/CONFIGURATION.md are generated from these definitions by {@link ConfigDocs}; a test fails
 * when the checked-in files are out of step.
 *
 * <p>Long because it is a table: one entry per key, each with its two texts. The keys of one
 * section are declared together, in the order the generated files list them.
 */
enum ConfigKey {
    SERVER_ID("server.id", Kind.STRING, "", 0, 64,
            "this server's id in presence and routing; empty = a random id at each start",
            """
            This server's id in presence and routing. Empty: a random id at each start."""),
    SERVER_HOST("server.host", Kind.STRING, "127.0.0.1", 1, 255,
            "address to listen on; 0.0.0.0 for every interface",
            """
            Address to listen on; 0.0.0.0 listens on every interface."""),
    SERVER_PORT("server.port", Kind.INT, "8080", 0, 65_535,
            "TCP port; 0 picks a free port",
            """
            TCP port; 0 picks a free port (the chosen one is printed at start-up)."""),
    SERVER_TLS_CERT("server.tls.cert", Kind.PATH, null, 0, 0,
            "PEM certificate chain; with server.tls.key enables https/wss",
            """
            PEM certificate chain and PKCS#8 PEM private key. Set both to serve https:// and wss://,
            leave both empty for plain http:// and ws://."""),
    SERVER_TLS_KEY("server.tls.key", Kind.PATH, null, 0, 0,
            "PEM private key (PKCS#8) for server.tls.cert",
            null),
    SERVER_MAX_FRAME_BYTES("server.maxFrameBytes", Kind.INT, "131072", 1_024, 16 << 20,
            "largest WebSocket text frame in bytes; larger ones get FRAME_TOO_LARGE, above 4x the connection "
                    + "closes (1009)",
            """
            Largest WebSocket text frame in bytes. A larger frame is answered with an error frame
            (FRAME_TOO_LARGE) and the connection stays open; one above 4x this size closes the
            connection with status 1009 (message too big). Must exceed limits.maxBodyBytes + 1024."""),
    SERVER_IDLE_TIMEOUT_SECONDS("server.idleTimeoutSeconds", Kind.INT, "60", 5, 86_400,
            "a connection that sends nothing this long is closed (1001; checked by a periodic sweep, so up to"
                    + " a tenth of it, at most 5 s, later); also the heartbeat timeout of presence",
            """
            A connection that sends nothing for this long is closed with status 1001 (going away).
            Clients send a ping every 20 s. Also the heartbeat timeout of presence."""),
    SERVER_SHUTDOWN_GRACE_SECONDS("server.shutdownGraceSeconds", Kind.INT, "5", 0, 600,
            "on shutdown (SIGTERM) the server drains this many seconds before its ports close: `/health` "
                    + "answers 503, WebSocket upgrades get 503, clients are told to reconnect spread over the period. "
                    + "See [Shutdown](#shutdown-drain)",
            """
            On shutdown (SIGTERM) the server drains for this many seconds: GET /health answers 503 so
            that a load balancer stops sending clients, new WebSockets are refused (503), and every
            connected client gets a "reconnect" frame with a retry delay spread over this period. Then
            the port closes, the remaining connections are closed and the store is flushed last."""),
    SERVER_CLOSE_TIMEOUT_MS("server.closeTimeoutMs", Kind.INT, "5000", 100, 600_000,
            "a WebSocket close frame not written within this many milliseconds (the peer does not read) drops"
                    + " the socket",
            """
            A WebSocket being closed gets this many milliseconds to have its close frame written; a peer
            that does not read is then dropped without it (and its buffered replies are freed)."""),
    SERVER_HTTP_REQUEST_TIMEOUT_MS("server.http.requestTimeoutMs", Kind.INT, "30000", 100, 600_000,
            "an HTTP request (request line, headers and body) must be complete within this many milliseconds "
                    + "of the read that brought its first byte; otherwise 408 (JSON error `REQUEST_TIMEOUT`) and the "
                    + "connection closes. Bytes that trickle in do not extend it. See [HTTP "
                    + "connections](#http-connections)",
            """
            A request (request line, headers and body) must be complete within this many milliseconds
            of its first byte, or it is answered with 408 and the connection closes (slow senders)."""),
    SERVER_HTTP_IDLE_TIMEOUT_MS("server.http.idleTimeoutMs", Kind.INT, "30000", 100, 3_600_000,
            "a keep-alive HTTP connection with no request in progress (nothing being read or answered) is "
                    + "closed after this many milliseconds",
            """
            A keep-alive connection with no request in progress is closed after this many milliseconds."""),
    SERVER_HTTP_MAX_CONNECTIONS("server.http.maxConnections", Kind.INT, "2048", 1, 1_000_000,
            "most open connections that are not WebSockets (REST, and every connection until its upgrade); "
                    + "more are closed as soon as they are accepted. Upgraded WebSockets do not count",
            """
            Most open connections that are not WebSockets; more are closed as soon as they are
            accepted. Keep it well below the process's open-file limit."""),
    SERVER_HTTP_MAX_PIPELINED_REQUESTS("server.http.maxPipelinedRequests", Kind.INT, "16", 1, 1_024,
            "requests one HTTP connection may have waiting for their answers (pipelining); at this many the "
                    + "server stops reading from it until an answer is written",
            """
            Requests one connection may pipeline (send before reading their answers); they are
            answered in order, and above this many the server reads no more until it caught up."""),
    SERVER_ADMIN_HOST("server.admin.host", Kind.STRING, "127.0.0.1", 1, 255,
            "address of the admin listener (`GET /metrics`, `GET /health`); keep it private",
            null),
    SERVER_ADMIN_PORT("server.admin.port", Kind.INT, "9464", 0, 65_535,
            "port of the admin listener; 0 picks a free port, as does leaving it unset while `server.port` is"
                    + " 0",
            """
            0 picks a free port (the chosen one is printed at start-up); so does leaving this key
            unset while server.port is 0 (or --port 0), so that a throwaway server takes no fixed port."""),
    STORE_TYPE("store.type", Kind.CHOICE, "rocksdb", 0, 0,
            "message and account store: rocksdb (embedded) or cassandra (scale-out)",
            """
            Message and account store: rocksdb (embedded, zero setup) or cassandra (scale-out;
            see docs/SCALE-OUT.md).""", "rocksdb", "cassandra"),
    STORE_DATA_DIR("store.dataDir", Kind.PATH, "./data", 0, 0,
            "directory of the embedded store (relative to the working directory)",
            """
            Directory of the embedded store, relative to the working directory."""),
    STORE_FSYNC("store.fsync", Kind.CHOICE, "always", 0, 0,
            "always: a write is synced to disk before it is acknowledged (survives power loss); never: left "
                    + "to the OS (survives a process crash, not a power loss)",
            """
            always: every acknowledged write is synced to disk first (survives power loss; writes are
                    group-committed, so one sync covers many sends).
            never:  acknowledged writes are in the OS page cache (survive a crash of the server
                    process, not a power loss or kernel crash).""", "always", "never"),
    STORE_BATCH_MAX("store.batchMax", Kind.INT, "512", 1, 100_000,
            "most writes committed (and synced) as one group",
            """
            Most writes committed (and synced) together as one group."""),
    STORE_COMMIT_INTERVAL_MICROS("store.commitIntervalMicros", Kind.INT, "1000", 0, 1_000_000,
            "while writes keep coming, at most one group commit (one sync) per this many µs; an idle store "
                    + "commits at once; 0: commit as soon as a write is there",
            """
            While writes keep coming, at most one group commit (and sync) per this many microseconds:
            what arrives meanwhile joins the group. A store idle for longer commits at once. At
            moderate rates this saves a third of the CPU per message for about a millisecond of
            latency (docs/BENCHMARKS.md); 0 commits as soon as a write is there."""),
    STORE_CASSANDRA_CONTACT_POINTS("store.cassandra.contactPoints", Kind.STRING, "127.0.0.1:9042", 1, 4096,
            "comma-separated host:port of Cassandra nodes the driver first contacts",
            """
            Comma-separated host:port of the nodes the driver contacts first (it finds the rest)."""),
    STORE_CASSANDRA_LOCAL_DATACENTER("store.cassandra.localDatacenter", Kind.STRING, "datacenter1", 1, 128,
            "the Cassandra data center whose nodes serve this server's requests",
            """
            The data center whose nodes serve this server's requests."""),
    STORE_CASSANDRA_KEYSPACE("store.cassandra.keyspace", Kind.STRING, "parley", 1, 48,
            "keyspace holding Parley's tables (created if absent)",
            """
            Keyspace of Parley's tables; created with the replication factor below if absent."""),
    STORE_CASSANDRA_REPLICATION_FACTOR("store.cassandra.replicationFactor", Kind.INT, "1", 1, 15,
            "replication factor used when the keyspace is created (3 on a real cluster)",
            null),
    STORE_CASSANDRA_REQUEST_TIMEOUT_MS("store.cassandra.requestTimeoutMs", Kind.INT, "10000", 100, 600_000,
            "how long the driver waits for one request, in milliseconds",
            """
            How long the driver waits for one request, in milliseconds."""),
    ROUTER_TYPE("router.type", Kind.CHOICE, "in-process", 0, 0,
            "routing between chat servers: in-process (one server) or kafka (scale-out)",
            """
            The write path and routing between chat servers: in-process (a single server) or kafka
            (scale-out, with store.type cassandra: Kafka is the ordered log of every write; server.id must
            then be set and stable).""", "in-process", "kafka"),
    ROUTER_KAFKA_BOOTSTRAP_SERVERS("router.kafka.bootstrapServers", Kind.STRING, "127.0.0.1:9092", 1, 4096,
            "Kafka bootstrap.servers",
            null),
    ROUTER_KAFKA_TOPIC_PREFIX("router.kafka.topicPrefix", Kind.STRING, "parley.", 0, 128,
            "prefix of Parley's topics and consumer groups; a server's topic is <prefix>server.<server.id>",
            """
            Prefix of Parley's topics and consumer groups; a server's topic is <prefix>server.<server.id>."""),
    ROUTER_KAFKA_REPLICATION_FACTOR("router.kafka.replicationFactor", Kind.INT, "1", 1, 15,
            "replication factor of the topics Parley creates (3 on a real cluster)",
            """
            Replication of the topics Parley creates: 3 and 2 on a real cluster."""),
    ROUTER_KAFKA_MIN_INSYNC_REPLICAS("router.kafka.minInsyncReplicas", Kind.INT, "1", 1, 15,
            "min.insync.replicas of the topics Parley creates (2 with replication factor 3)",
            null),
    ROUTER_KAFKA_PARTITIONS("router.kafka.partitions", Kind.INT, "12", 1, 10_000,
            "partitions of each conversation log topic: at most this many chat servers share the sequencing; "
                    + "fixed once the topics exist",
            """
            Partitions of each conversation log topic: at most this many chat servers share the
            sequencing. Fixed once the topics exist."""),
    ROUTER_KAFKA_COMMIT_INTERVAL_MS("router.kafka.commitIntervalMs", Kind.INT, "10", 1, 60_000,
            "how often the log's exactly-once transactions commit, in milliseconds: a floor under send "
                    + "latency",
            """
            How often the log's exactly-once transactions commit (ms): a floor under send latency."""),
    ROUTER_KAFKA_SESSION_TIMEOUT_MS("router.kafka.sessionTimeoutMs", Kind.INT, "10000", 1_000, 300_000,
            "how long a silent (dead or paused) chat server keeps its log partitions before they move",
            """
            How long a silent (dead or paused) chat server keeps its log partitions (ms)."""),
    ROUTER_KAFKA_REQUEST_TIMEOUT_MS("router.kafka.requestTimeoutMs", Kind.INT, "10000", 100, 600_000,
            "how long a write waits for the log's answer before failing as retryable (UNAVAILABLE)",
            """
            How long a write waits for the log's answer before failing as retryable (ms)."""),
    ROUTER_KAFKA_MAX_PENDING_WRITES("router.kafka.maxPendingWrites", Kind.INT, "10000", 1, 10_000_000,
            "writes one server may have waiting for the log; beyond it a write is refused at once "
                    + "(UNAVAILABLE)",
            """
            Writes one server may have waiting for the log; beyond it a write is refused at once
            (UNAVAILABLE, retryable) instead of queueing behind an overloaded log."""),
    PRESENCE_TYPE("presence.type", Kind.CHOICE, "in-memory", 0, 0,
            "presence registry: in-memory (one server) or redis (scale-out)",
            """
            Presence registry: in-memory (a single server) or redis (scale-out).""", "in-memory", "redis"),
    PRESENCE_REDIS_URI("presence.redis.uri", Kind.STRING, "redis://127.0.0.1:6379", 1, 4096,
            "Redis URI (Lettuce syntax: rediss:// for TLS, redis-sentinel:// for Sentinel)",
            null),
    PRESENCE_REDIS_ENTRY_TTL_SECONDS("presence.redis.entryTtlSeconds", Kind.INT, "60", 1, 86_400,
            "a device entry not refreshed for this long expires: a dead server's users go offline by "
                    + "themselves",
            """
            A device entry not refreshed for this long expires, so a dead server's users go offline
            by themselves. Servers refresh every idleTimeoutSeconds / 3."""),
    PUSH_PREVIEWS("push.previews", Kind.BOOL, "false", 0, 0,
            "include the latest message's conversation, sender and body in pushes; false = a data-only "
                    + "wake-up",
            """
            Private by default: a data-only "wake up and sync". true adds the latest message's
            conversation, sender and body (at most previewMaxChars characters)."""),
    PUSH_PREVIEW_MAX_CHARS("push.previewMaxChars", Kind.INT, "100", 1, 500,
            "longest body in a preview (providers cap a push at 4 KiB)",
            null),
    PUSH_MIN_INTERVAL_SECONDS("push.minIntervalSeconds", Kind.INT, "30", 0, 86_400,
            "least time between two pushes to one device; messages in between are coalesced into the next "
                    + "push",
            """
            At most one push per device per this many seconds; messages in between are coalesced."""),
    PUSH_QUEUE_CAPACITY("push.queueCapacity", Kind.INT, "100000", 1, 10_000_000,
            "most devices waiting for a push; beyond it a push is dropped and counted (parley.push.dropped)",
            """
            Devices waiting for a push; beyond it a push is dropped (counted in parley.push.dropped)."""),
    PUSH_MAX_CONCURRENT("push.maxConcurrent", Kind.INT, "64", 1, 10_000,
            "most push requests in flight at once, all providers together (bounds outbound sockets)",
            """
            Push requests in flight at once, all providers together."""),
    PUSH_MAX_ATTEMPTS("push.maxAttempts", Kind.INT, "5", 1, 100,
            "tries of one push on retryable answers",
            """
            Tries of one push on retryable answers, and the exponential backoff between them."""),
    PUSH_RETRY_BASE_MS("push.retryBaseMs", Kind.INT, "1000", 1, 3_600_000,
            "first backoff after a retryable answer; doubles with each try",
            null),
    PUSH_RETRY_MAX_MS("push.retryMaxMs", Kind.INT, "300000", 1, 86_400_000,
            "longest backoff, also the cap on a provider's Retry-After",
            null),
    PUSH_MAX_TARGETS_PER_USER("push.maxTargetsPerUser", Kind.INT, "10", 1, 1_000,
            "most devices of one user with a push target (TOO_MANY_PUSH_TARGETS above)",
            """
            Devices of one user that may have a push target."""),
    PUSH_TIMEOUT_MS("push.timeoutMs", Kind.INT, "5000", 100, 120_000,
            "connect and request timeout of one push request in milliseconds",
            """
            Connect and request timeout of one push request, in milliseconds."""),
    PUSH_ALLOW_PRIVATE_ADDRESSES("push.allowPrivateAddresses", Kind.BOOL, "false", 0, 0,
            "let webhook and Web Push URLs reach loopback, private, link-local and metadata addresses (tests "
                    + "only)",
            """
            Let webhook and Web Push URLs reach loopback, private, link-local and metadata addresses.
            Never in production: user-supplied URLs would reach the server's own network."""),
    PUSH_WEBHOOK_ENABLED("push.webhook.enabled", Kind.BOOL, "true", 0, 0,
            "send pushes to webhook URLs",
            null),
    PUSH_WEBHOOK_ALLOW_LIST("push.webhook.allowList", Kind.STRING, "", 0, 8_192,
            "comma-separated hosts webhooks may go to (host or *.domain); empty = any host with public "
                    + "addresses",
            """
            Comma-separated hosts (host or *.domain); empty = any host with public addresses."""),
    PUSH_WEBHOOK_SECRET("push.webhook.secret", Kind.STRING, "", 0, 1_024,
            "HMAC-SHA256 key of the X-Parley-Signature header; empty = unsigned",
            """
            HMAC-SHA256 key of the X-Parley-Signature header; empty = unsigned."""),
    PUSH_WEBHOOK_MAX_CONCURRENT("push.webhook.maxConcurrent", Kind.INT, "32", 1, 10_000,
            "most webhook POSTs open at once",
            null),
    PUSH_WEBPUSH_ENABLED("push.webpush.enabled", Kind.BOOL, "false", 0, 0,
            "send Web Push (browsers, UnifiedPush)",
            null),
    PUSH_WEBPUSH_PUBLIC_KEY("push.webpush.publicKey", Kind.STRING, "", 0, 200,
            "VAPID public key, base64url (./parley vapid-keys makes a pair)",
            """
            VAPID key pair, base64url: ./parley vapid-keys makes one."""),
    PUSH_WEBPUSH_PRIVATE_KEY("push.webpush.privateKey", Kind.STRING, "", 0, 200,
            "VAPID private key, base64url",
            null),
    PUSH_WEBPUSH_SUBJECT("push.webpush.subject", Kind.STRING, "", 0, 1_024,
            "VAPID contact for push services: mailto:... or https://...",
            """
            mailto: or https: contact for push services."""),
    PUSH_WEBPUSH_TTL_SECONDS("push.webpush.ttlSeconds", Kind.INT, "86400", 0, 2_419_200,
            "how long a push service keeps an undelivered push",
            null),
    PUSH_WEBPUSH_ALLOW_LIST("push.webpush.allowList", Kind.STRING, "", 0, 8_192,
            "comma-separated push service hosts subscriptions may point at; empty = any host with public "
                    + "addresses",
            null),
    PUSH_FCM_ENABLED("push.fcm.enabled", Kind.BOOL, "false", 0, 0,
            "send through Firebase Cloud Messaging",
            null),
    PUSH_FCM_PROJECT_ID("push.fcm.projectId", Kind.STRING, "", 0, 128,
            "the Firebase project id",
            null),
    PUSH_FCM_SERVICE_ACCOUNT_FILE("push.fcm.serviceAccountFile", Kind.PATH, null, 0, 0,
            "the service account's JSON key file",
            """
            The service account's JSON key file."""),
    PUSH_FCM_BASE_URL("push.fcm.baseUrl", Kind.STRING, "https://fcm.googleapis.com", 1, 1_024,
            "the FCM API root",
            null),
    PUSH_FCM_TOKEN_URI("push.fcm.tokenUri", Kind.STRING, "", 0, 1_024,
            "OAuth2 token endpoint; empty = the key file's token_uri",
            """
            Empty = the key file's token_uri."""),
    PUSH_APNS_ENABLED("push.apns.enabled", Kind.BOOL, "false", 0, 0,
            "send through Apple Push Notification service",
            null),
    PUSH_APNS_HOST("push.apns.host", Kind.STRING, "production", 1, 255,
            "production, sandbox, or host[:port] of another APNs endpoint",
            """
            production, sandbox, or host[:port]"""),
    PUSH_APNS_TOPIC("push.apns.topic", Kind.STRING, "", 0, 255,
            "the app's bundle id (apns-topic)",
            """
            The app's bundle id."""),
    PUSH_APNS_KEY_FILE("push.apns.keyFile", Kind.PATH, null, 0, 0,
            "token auth: the .p8 signing key (with push.apns.keyId and push.apns.teamId)",
            """
            Token auth: a .p8 key with its key id and team id ..."""),
    PUSH_APNS_KEY_ID("push.apns.keyId", Kind.STRING, "", 0, 64,
            "token auth: the key's id",
            null),
    PUSH_APNS_TEAM_ID("push.apns.teamId", Kind.STRING, "", 0, 64,
            "token auth: the developer team id",
            null),
    PUSH_APNS_CERT_FILE("push.apns.certFile", Kind.PATH, null, 0, 0,
            "certificate auth: a PKCS#12 file with the client certificate and key (instead of a .p8 key)",
            """
            ... or certificate auth: a PKCS#12 file."""),
    PUSH_APNS_CERT_PASSWORD("push.apns.certPassword", Kind.STRING, "", 0, 1_024,
            "password of push.apns.certFile",
            null),
    PUSH_APNS_TRUSTED_CERT_FILE("push.apns.trustedCertFile", Kind.PATH, null, 0, 0,
            "PEM CA certificate(s) to trust for the APNs host instead of the JVM's (a private gateway, tests)",
            """
            PEM CA certificate(s) to trust for the APNs host instead of the JVM's (a private gateway)."""),
    LIMITS_MAX_BODY_BYTES("limits.maxBodyBytes", Kind.INT, "65536", 1, 16 << 20,
            "largest message body in UTF-8 bytes (MESSAGE_TOO_LARGE above)",
            """
            Largest message body in UTF-8 bytes; larger sends get MESSAGE_TOO_LARGE."""),
    LIMITS_MAX_GROUP_MEMBERS("limits.maxGroupMembers", Kind.INT, "1024", 2, 100_000,
            "largest group, creator included (GROUP_FULL above)",
            """
            Largest group, creator included; adding more gets GROUP_FULL."""),
    LIMITS_INBOX_RETENTION_DAYS("limits.inboxRetentionDays", Kind.INT, "30", 1, 36_500,
            "how long undelivered inbox entries are kept",
            """
            Undelivered inbox entries (the offline queue) are kept this many days."""),
    LIMITS_RATE_LIMIT_PER_SECOND("limits.rateLimitPerSecond", Kind.INT, "100", 1, 10_000_000,
            "sustained frames per second per connection, and authenticated REST requests per second per "
                    + "device (RATE_LIMITED above)",
            """
            Sustained frames per second one connection may send; above it requests get RATE_LIMITED."""),
    LIMITS_RATE_LIMIT_BURST("limits.rateLimitBurst", Kind.INT, "200", 1, 10_000_000,
            "frames a connection may send at once above the rate",
            """
            Frames a connection may send at once above the sustained rate."""),
    LIMITS_MAX_OUTBOUND_BYTES("limits.maxOutboundBytes", Kind.INT, "262144", 4096, 64 << 20,
            "bytes waiting for one slow connection before live delivery pauses and resumes from the store; "
                    + "the server also stops reading from it meanwhile",
            """
            Bytes waiting for one slow connection (its write buffer's high-water mark) before live
            delivery pauses and resumes from the store when the client catches up (nothing is lost,
            memory stays bounded; typing and presence events are dropped while paused). The server also
            stops reading from the connection until the client catches up."""),
    LIMITS_OUTBOUND_HARD_LIMIT_BYTES("limits.outboundHardLimitBytes", Kind.INT, "16777216", 8192, 1 << 30,
            "bytes waiting for one connection above which it is closed (1008); at least "
                    + "limits.maxOutboundBytes",
            """
            Hard cap of the bytes waiting for one connection (replies, events, pongs, errors): a reply
            that would take it above this closes the connection with status 1008 (policy violation).
            At least maxOutboundBytes."""),
    LIMITS_SYNC_BATCH_SIZE("limits.syncBatchSize", Kind.INT, "256", 1, 10_000,
            "inbox entries read per batch while a device catches up",
            """
            Inbox entries read from the store per batch while a device catches up."""),
    LIMITS_ARGON2_MEMORY_KIB("limits.argon2MemoryKiB", Kind.INT, "19456", 8, 4 << 20,
            "Argon2id memory cost of password hashes in KiB",
            """
            Argon2id cost of password hashes: memory in KiB (19456 = OWASP's minimum) and iterations."""),
    LIMITS_ARGON2_ITERATIONS("limits.argon2Iterations", Kind.INT, "2", 1, 100,
            "Argon2id time cost",
            null),
    LIMITS_USER_SEND_PER_SECOND("limits.userSendPerSecond", Kind.INT, "100", 1, 10_000_000,
            "sustained send frames per second of one user over all its connections to a server (RATE_LIMITED "
                    + "above)",
            """
            Sustained send frames per second of one user over all of its connections to this server,
            and how many it may send at once; above it a send gets RATE_LIMITED (with retryAfterMs)."""),
    LIMITS_USER_SEND_BURST("limits.userSendBurst", Kind.INT, "200", 1, 10_000_000,
            "sends one user may make at once above limits.userSendPerSecond",
            null),
    LIMITS_MAX_DEVICES_PER_USER("limits.maxDevicesPerUser", Kind.INT, "16", 1, 10_000,
            "most devices one user may have logged in; one more login gets DEVICE_LIMIT_REACHED",
            """
            Most devices one user may have logged in; one more login gets DEVICE_LIMIT_REACHED unless it
            asks to replace the oldest device. Logging out (DELETE /v1/devices/{id}) frees a slot."""),
    LIMITS_HASH_QUEUE_SIZE("limits.hashQueueSize", Kind.INT, "64", 1, 1_000_000,
            "password hashes that may wait for a hashing thread; beyond, logins and registrations get "
                    + "SERVER_BUSY",
            """
            Password hashes that may wait for a hashing thread (one thread per core); beyond it,
            registrations and logins are refused at once with SERVER_BUSY (HTTP 503, retryable)."""),
    LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE("limits.authAttemptsPerIpPerMinute", Kind.INT, "60", 1, 60_000_000,
            "sustained registrations and logins per client address (IPv6: per /64) a minute (RATE_LIMITED "
                    + "above)",
            """
            Registrations and logins per client address (IPv6: per /64 prefix): sustained per minute,
            and at once. Above it: RATE_LIMITED (HTTP 429 with Retry-After)."""),
    LIMITS_AUTH_ATTEMPTS_PER_IP_BURST("limits.authAttemptsPerIpBurst", Kind.INT, "30", 1, 10_000_000,
            "registrations and logins one client address may make at once",
            null),
    LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF("limits.loginFailuresBeforeBackoff", Kind.INT, "5", 1, 1_000_000,
            "failed logins in a row after which an account backs off (1 s, doubling with each further "
                    + "failure)",
            """
            After this many failed logins in a row an account backs off: 1 s, then doubling with each
            further failure, up to loginMaxBackoffSeconds; a successful login resets it."""),
    LIMITS_LOGIN_MAX_BACKOFF_SECONDS("limits.loginMaxBackoffSeconds", Kind.INT, "900", 1, 86_400,
            "longest back-off of an account after failed logins; failures are forgotten this long after it "
                    + "ends",
            null),
    LIMITS_AUTH_THROTTLE_MAX_ENTRIES("limits.authThrottleMaxEntries", Kind.INT, "100000", 16, 100_000_000,
            "most client addresses and accounts the login throttle tracks (least recently used dropped "
                    + "beyond)",
            """
            Most client addresses and accounts tracked by the login throttle (about 150 bytes each);
            beyond, the least recently used is forgotten."""),
    LIMITS_MAX_CONTACTS("limits.maxContacts", Kind.INT, "5000", 1, 1_000_000,
            "most users in one contact list (CONTACTS_FULL above)",
            """
            Most users in one contact list (add_contact beyond it: CONTACTS_FULL)."""),
    LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE("limits.membershipChangesPerMinute", Kind.INT, "20", 1, 1_000_000,
            "group changes (create, rename, add, remove, promote; not leave) per group and per acting user in"
                    + " a minute, per server (RATE_LIMITED above)",
            """
            Group changes (create, rename, add, remove, promote; leaving is never limited) admitted per group
            and per acting user in each minute, counted per server (RATE_LIMITED beyond)."""),
    METRICS_ENABLED("metrics.enabled", Kind.BOOL, "true", 0, 0,
            "serve Prometheus metrics on GET /metrics of the admin listener (`server.admin.*`); when false "
                    + "the admin listener is not started",
            """
            Serve Prometheus metrics on GET /metrics of the admin listener (server.admin). When false,
            the admin listener is not started.""");

    enum Kind { STRING, INT, BOOL, PATH, CHOICE }

    final String path;
    final Kind kind;
    /** Default in its textual form; null for an optional key that is unset by default. */
    final String defaultValue;
    /** Range of an INT; length range of a STRING; unused otherwise. */
    final long min;
    final long max;
    /** One line for the key table of docs/CONFIGURATION.md (Markdown). */
    final String doc;
    /**
     * The comment above the key in {@code parley-default.yaml}, one or more lines; null when the
     * key needs none or the comment above the previous key covers it too.
     */
    final String comment;
    final List<String> choices;

    ConfigKey(String path, Kind kind, String defaultValue, long min, long max, String doc, String comment,
              String... choices) {
        this.path = path;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.doc = doc;
        this.comment = comment;
        this.choices = List.of(choices);
    }

    /** The environment variable that overrides this key. */
    String envName() {
        return "PARLEY_" + name();
    }

    /** The path of the mapping that holds this key ({@code server.http} for {@code server.http.idleTimeoutMs}). */
    String sectionPath() {
        return path.substring(0, path.lastIndexOf('.'));
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
        List<String> same = Arrays.stream(values()).map(k -> k.path)
                .filter(p -> p.toLowerCase(Locale.ROOT).startsWith(section)).toList();
        if (!same.isEmpty()) {
            return same;
        }
        return Arrays.stream(values()).map(k -> k.path.substring(0, k.path.indexOf('.'))).distinct().toList();
    }
}
