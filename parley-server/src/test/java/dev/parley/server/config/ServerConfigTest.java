package dev.parley.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.parley.core.ParleySettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreTheDocumentedOnes() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.server().id()).isEmpty();
        assertThat(c.server().tls().enabled()).isFalse();
        assertThat(c.server().maxFrameBytes()).isEqualTo(131_072);
        assertThat(c.server().hardFrameLimit()).isEqualTo(4 * 131_072);
        assertThat(c.server().idleTimeoutSeconds()).isEqualTo(60);
        assertThat(c.server().shutdownGraceSeconds()).isEqualTo(5);
        assertThat(c.store().type()).isEqualTo("rocksdb");
        assertThat(c.store().dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.store().fsync()).isEqualTo(ServerConfig.Fsync.ALWAYS);
        assertThat(c.store().batchMax()).isEqualTo(512);
        assertThat(c.store().commitIntervalMicros()).isEqualTo(1000);
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_STORE_COMMIT_INTERVAL_MICROS", "2000000")))
                .hasMessageContaining("store.commitIntervalMicros");
        assertThat(c.router().type()).isEqualTo("in-process");
        assertThat(c.presence().type()).isEqualTo("in-memory");
        assertThat(c.push().timeoutMs()).isEqualTo(5_000);
        assertThat(c.push().previews()).isFalse();
        assertThat(c.push().allowPrivateAddresses()).isFalse();
        assertThat(c.limits()).isEqualTo(new ServerConfig.Limits(65_536, 1_024, 30, 100, 200, 262_144, 256, 19_456, 2));
        assertThat(c.metrics().enabled()).isTrue();
        assertThat(c.server().http()).isEqualTo(new ServerConfig.Http(30_000, 30_000, 2_048, 16));
        assertThat(c.server().admin()).isEqualTo(new ServerConfig.Admin("127.0.0.1", 9464));
    }

    @Test
    void httpLimitsAndTheAdminListenerAreReadAndChecked() throws IOException {
        ServerConfig c = ServerConfig.load(write("""
                server:
                  http:
                    requestTimeoutMs: 1500
                    idleTimeoutMs: 2500
                    maxConnections: 10
                    maxPipelinedRequests: 4
                  admin:
                    host: 0.0.0.0
                    port: 9470
                """), Map.of("PARLEY_SERVER_HTTP_MAX_CONNECTIONS", "20"));
        assertThat(c.server().http()).isEqualTo(new ServerConfig.Http(1_500, 2_500, 20, 4));
        assertThat(c.server().http().requestTimeout()).isEqualTo(java.time.Duration.ofMillis(1_500));
        assertThat(c.server().admin()).isEqualTo(new ServerConfig.Admin("0.0.0.0", 9470));
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_SERVER_HTTP_REQUEST_TIMEOUT_MS", "50",
                "PARLEY_SERVER_HTTP_MAX_PIPELINED_REQUESTS", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.http.requestTimeoutMs = 50")
                .hasMessageContaining("server.http.maxPipelinedRequests = 0");
    }

    @Test
    void aThrowawayServerTakesAFreeAdminPortUnlessOneIsGiven() throws IOException {
        // Port 0 (tests, tools, the bench) must never bind the fixed default admin port.
        assertThat(ServerConfig.load(write("server:\n  port: 0\n"), Map.of()).server().admin().port()).isZero();
        assertThat(ServerConfig.defaults().withPort(0).server().admin().port()).isZero();
        assertThat(ServerConfig.defaults().withPort(9000).server().admin().port()).isEqualTo(9464);
        assertThat(ServerConfig.load(write("server:\n  port: 0\n  admin:\n    port: 9470\n"), Map.of())
                .server().admin().port()).isEqualTo(9470);
        assertThat(ServerConfig.load(null, Map.of("PARLEY_SERVER_PORT", "0", "PARLEY_SERVER_ADMIN_PORT", "9470"))
                .server().admin().port()).isEqualTo(9470);
    }

    @Test
    void defaultSettingsMatchTheCoreDefaults() {
        ParleySettings core = ParleySettings.defaults();
        ParleySettings mine = ServerConfig.defaults().toSettings();
        assertThat(mine.serverId()).startsWith("parley-");
        assertThat(mine.toBuilder().serverId("x").build()).isEqualTo(core.toBuilder().serverId("x").build());
    }

    @Test
    void settingsCarryEveryLimitAndTheIdleTimeoutAsHeartbeat() throws IOException {
        Path file = write("""
                server:
                  id: chat-1
                  idleTimeoutSeconds: 45
                limits:
                  maxBodyBytes: 1000
                  maxGroupMembers: 50
                  inboxRetentionDays: 7
                  rateLimitPerSecond: 10
                  rateLimitBurst: 20
                  maxOutboundBytes: 30000
                  syncBatchSize: 40
                  argon2MemoryKiB: 1024
                  argon2Iterations: 3
                  maxContacts: 99
                  membershipChangesPerMinute: 7
                """);
        ParleySettings s = ServerConfig.load(file, Map.of()).toSettings();
        assertThat(s).isEqualTo(ParleySettings.builder().serverId("chat-1").maxBodyBytes(1000).maxGroupMembers(50)
                .inboxRetention(Duration.ofDays(7)).heartbeatTimeout(Duration.ofSeconds(45)).rateLimit(10, 20)
                .maxOutboundBytes(30000).syncBatchSize(40).argon2(1024, 3).maxContacts(99)
                .membershipChangesPerMinute(7).build());
    }

    @Test
    void abuseLimitsReachTheCore() throws IOException {
        Path file = write("""
                limits:
                  userSendPerSecond: 7
                  userSendBurst: 9
                  maxDevicesPerUser: 3
                  hashQueueSize: 11
                  authAttemptsPerIpPerMinute: 12
                  authAttemptsPerIpBurst: 13
                  loginFailuresBeforeBackoff: 4
                  loginMaxBackoffSeconds: 60
                  authThrottleMaxEntries: 500
                """);
        ParleySettings s = ServerConfig.load(file, Map.of()).toSettings();
        assertThat(s.userSendPerSecond()).isEqualTo(7);
        assertThat(s.userSendBurst()).isEqualTo(9);
        assertThat(s.maxDevicesPerUser()).isEqualTo(3);
        assertThat(s.hashQueueSize()).isEqualTo(11);
        assertThat(s.loginThrottle()).isEqualTo(new dev.parley.core.account.LoginThrottle.Settings(12, 13, 4,
                Duration.ofSeconds(60), 500));
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_LIMITS_MAX_DEVICES_PER_USER", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("limits.maxDevicesPerUser");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_LIMITS_AUTH_THROTTLE_MAX_ENTRIES", "2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("limits.authThrottleMaxEntries");
    }

    @Test
    void theDefaultFileListsEveryKeyWithItsDefault() throws IOException {
        Path copy = dir.resolve("parley-default.yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ServerConfig.DEFAULTS_RESOURCE)) {
            assertThat(in).as("classpath resource %s", ServerConfig.DEFAULTS_RESOURCE).isNotNull();
            Files.copy(in, copy);
        }
        assertThat(ServerConfig.load(copy, Map.of())).isEqualTo(ServerConfig.defaults());

        Set<String> inFile = new TreeSet<>();
        flatten("", new YAMLMapper().readTree(copy.toFile()), inFile);
        Set<String> known = Arrays.stream(ConfigKey.values()).map(k -> k.path).collect(Collectors.toCollection(TreeSet::new));
        assertThat(inFile).isEqualTo(known);
    }

    @Test
    void anEmptyFileMeansDefaults() throws IOException {
        assertThat(ServerConfig.load(write(""), Map.of())).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void fileOverridesDefaults() throws IOException {
        Path file = write("""
                server:
                  host: 0.0.0.0
                  port: 9000
                  maxFrameBytes: 200000
                store:
                  dataDir: /var/lib/parley
                  fsync: never
                  batchMax: 64
                  commitIntervalMicros: 250
                push:
                  timeoutMs: 1500
                  webhook:
                    allowList: "hooks.example.com, *.example.org"
                metrics:
                  enabled: false
                """);
        ServerConfig c = ServerConfig.load(file, Map.of());
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(9000);
        assertThat(c.server().maxFrameBytes()).isEqualTo(200_000);
        assertThat(c.store().dataDir()).isEqualTo(Path.of("/var/lib/parley"));
        assertThat(c.store().fsync()).isEqualTo(ServerConfig.Fsync.NEVER);
        assertThat(c.store().batchMax()).isEqualTo(64);
        assertThat(c.store().commitIntervalMicros()).isEqualTo(250);
        assertThat(c.push().timeoutMs()).isEqualTo(1500);
        assertThat(c.push().webhook().allowList()).containsExactly("hooks.example.com", "*.example.org");
        assertThat(c.metrics().enabled()).isFalse();
        assertThat(c.server().idleTimeoutSeconds()).isEqualTo(60);
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        Path file = write("""
                server:
                  port: 9000
                store:
                  dataDir: from-file
                """);
        ServerConfig c = ServerConfig.load(file, Map.of(
                "PARLEY_SERVER_PORT", "9100",
                "PARLEY_STORE_DATA_DIR", "/tmp/from-env",
                "PARLEY_STORE_FSYNC", "NEVER",
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "4096",
                "PARLEY_METRICS_ENABLED", "false",
                "PARLEY_UNRELATED", "ignored",
                "HOME", "/root"));
        assertThat(c.server().port()).isEqualTo(9100);
        assertThat(c.store().dataDir()).isEqualTo(Path.of("/tmp/from-env"));
        assertThat(c.store().fsync()).isEqualTo(ServerConfig.Fsync.NEVER);
        assertThat(c.limits().argon2MemoryKiB()).isEqualTo(4096);
        assertThat(c.metrics().enabled()).isFalse();
    }

    @Test
    void environmentAloneWorksWithoutAFile() {
        ServerConfig c = ServerConfig.load(null, Map.of("PARLEY_SERVER_HOST", "::1", "PARLEY_SERVER_ID", "a"));
        assertThat(c.server().host()).isEqualTo("::1");
        assertThat(c.server().id()).isEqualTo("a");
    }

    @Test
    void everyKeyHasAnEnvironmentVariableInUpperSnakeCase() {
        for (ConfigKey k : ConfigKey.values()) {
            String expected = "PARLEY_" + k.path.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                    .toUpperCase(java.util.Locale.ROOT);
            if (k == ConfigKey.LIMITS_ARGON2_MEMORY_KIB) {
                expected = "PARLEY_LIMITS_ARGON2_MEMORY_KIB"; // "KiB" is one word
            }
            assertThat(k.envName()).as(k.path).isEqualTo(expected);
        }
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsSource() throws IOException {
        Path file = write("""
                server:
                  prot: 80
                  port: seventy
                  idleTimeoutSeconds: 1
                store:
                  type: mongodb
                  fsync: sometimes
                metrics:
                  enabled: yes please
                """);
        assertThatThrownBy(() -> ServerConfig.load(file, Map.of("PARLEY_LIMITS_MAX_GROUP_MEMBERS", "1")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.problems()).hasSize(7);
                    assertThat(ce.getMessage()).startsWith("invalid configuration:");
                })
                .hasMessageContaining("unknown key \"server.prot\"")
                .hasMessageContaining("server.port")
                .hasMessageContaining("server.port = \"seventy\" (from " + file + "): must be a whole number between 0 and 65535")
                .hasMessageContaining("server.idleTimeoutSeconds = 1")
                .hasMessageContaining("store.type = \"mongodb\"")
                .hasMessageContaining("must be one of rocksdb, cassandra")
                .hasMessageContaining("store.fsync = \"sometimes\"")
                .hasMessageContaining("metrics.enabled = \"yes please\"")
                .hasMessageContaining("limits.maxGroupMembers = 1 (from environment variable PARLEY_LIMITS_MAX_GROUP_MEMBERS)");
    }

    @Test
    void unknownSectionIsAnError() throws IOException {
        assertThatThrownBy(() -> ServerConfig.load(write("sever:\n  port: 1\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key \"sever.port\"")
                .hasMessageContaining("known keys: server, store, router, presence, push, limits, metrics");
    }

    @Test
    void invalidYamlIsReportedWithItsLine() throws IOException {
        assertThatThrownBy(() -> ServerConfig.load(write("server:\n  port: [1\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not valid YAML");
    }

    @Test
    void aListWhereAValueBelongsIsAnError() throws IOException {
        assertThatThrownBy(() -> ServerConfig.load(write("server:\n  port: [1, 2]\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.port")
                .hasMessageContaining("must be a single value");
    }

    @Test
    void missingFileIsAnError() {
        assertThatThrownBy(() -> ServerConfig.load(dir.resolve("nope.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml does not exist");
    }

    @Test
    void tlsNeedsBothFilesAndTheyMustExist() throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_SERVER_TLS_CERT", cert.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.tls.cert and server.tls.key must be given together");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_SERVER_TLS_CERT", cert.toString(),
                "PARLEY_SERVER_TLS_KEY", dir.resolve("missing.pem").toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.tls.key")
                .hasMessageContaining("does not exist or is not readable");
        Path key = Files.writeString(dir.resolve("key.pem"), "y");
        ServerConfig c = ServerConfig.load(null, Map.of("PARLEY_SERVER_TLS_CERT", cert.toString(),
                "PARLEY_SERVER_TLS_KEY", key.toString()));
        assertThat(c.server().tls().enabled()).isTrue();
        assertThat(c.server().tls().key()).isEqualTo(key);
    }

    @Test
    void anEmptyTlsValueMeansOff() throws IOException {
        ServerConfig c = ServerConfig.load(write("server:\n  tls:\n    cert: \"\"\n    key:\n"), Map.of());
        assertThat(c.server().tls().enabled()).isFalse();
    }

    @Test
    void frameLimitMustLeaveRoomForTheLargestBody() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_SERVER_MAX_FRAME_BYTES", "65536")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.maxFrameBytes (65536) must be at least limits.maxBodyBytes (65536) + 1024");
        ServerConfig ok = ServerConfig.load(null, Map.of("PARLEY_SERVER_MAX_FRAME_BYTES", "4096",
                "PARLEY_LIMITS_MAX_BODY_BYTES", "1024"));
        assertThat(ok.server().maxFrameBytes()).isEqualTo(4096);
    }

    @Test
    void withersReplaceOneValueAndValidate() {
        ServerConfig c = ServerConfig.defaults().withPort(0).withDataDir(dir);
        assertThat(c.server().port()).isZero();
        assertThat(c.store().dataDir()).isEqualTo(dir);
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> c.withPort(70_000))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.port = 70000: must be between 0 and 65535");
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "parley", ".yaml"), yaml);
    }

    private static void flatten(String prefix, JsonNode node, Set<String> out) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                flatten(path, e.getValue(), out);
            } else {
                out.add(path);
            }
        }
    }

    @Test
    void scaleOutKeysAreReadAndKafkaNeedsAStableServerId() throws IOException {
        Path file = write("""
                server:
                  id: chat-2
                store:
                  type: cassandra
                  cassandra:
                    contactPoints: 10.0.0.1:9042, 10.0.0.2:9042
                    keyspace: chat
                router:
                  type: kafka
                  kafka:
                    bootstrapServers: k1:9092
                presence:
                  type: redis
                  redis:
                    uri: redis://r1:6379
                """);
        ServerConfig c = ServerConfig.load(file, Map.of("PARLEY_PRESENCE_REDIS_ENTRY_TTL_SECONDS", "30"));
        assertThat(c.store().cassandra().contactPoints()).containsExactly("10.0.0.1:9042", "10.0.0.2:9042");
        assertThat(c.store().cassandra().keyspace()).isEqualTo("chat");
        assertThat(c.router().kafka().bootstrapServers()).isEqualTo("k1:9092");
        assertThat(c.presence().redis().uri()).isEqualTo("redis://r1:6379");
        assertThat(c.presence().redis().entryTtlSeconds()).isEqualTo(30);

        assertThat(c.router().kafka().partitions()).isEqualTo(12);
        assertThat(c.router().kafka().commitIntervalMs()).isEqualTo(10);

        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_ROUTER_TYPE", "kafka",
                "PARLEY_STORE_TYPE", "cassandra")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.id must be set when router.type is kafka");
        // Kafka is the scale-out store's log: one without the other is refused.
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_ROUTER_TYPE", "kafka",
                "PARLEY_SERVER_ID", "chat-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("store.type cassandra and router.type kafka go together");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_STORE_TYPE", "cassandra")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("go together");
    }

    @Test
    void theConfigurationGuideDocumentsEveryKey() throws IOException {
        Path guide = Path.of("..", "docs", "CONFIGURATION.md");
        String text = Files.readString(guide);
        for (ConfigKey k : ConfigKey.values()) {
            assertThat(text).as("docs/CONFIGURATION.md documents " + k.path).contains("`" + k.path + "`");
        }
    }

    @Test
    void anEnabledPushProviderNeedsItsCredentials() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_PUSH_FCM_ENABLED", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("push.fcm.projectId and push.fcm.serviceAccountFile are required");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_PUSH_WEBPUSH_ENABLED", "true",
                "PARLEY_PUSH_WEBPUSH_PUBLIC_KEY", "x", "PARLEY_PUSH_WEBPUSH_PRIVATE_KEY", "y",
                "PARLEY_PUSH_WEBPUSH_SUBJECT", "ops@example.com")))
                .hasMessageContaining("push.webpush.subject must be a mailto: or https: contact");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_PUSH_APNS_ENABLED", "true",
                "PARLEY_PUSH_APNS_TOPIC", "com.example.chat")))
                .hasMessageContaining("exactly one of push.apns.keyFile");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PARLEY_PUSH_FCM_SERVICE_ACCOUNT_FILE",
                "/nonexistent/key.json")))
                .hasMessageContaining("push.fcm.serviceAccountFile").hasMessageContaining("not readable");
    }

}
