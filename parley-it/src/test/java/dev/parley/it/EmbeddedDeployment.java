package dev.parley.it;

import dev.parley.push.LocalPushProviders;
import dev.parley.server.ParleyServer;
import dev.parley.server.config.ServerConfig;
import dev.parley.testkit.WorkDirs;
import dev.parley.testkit.contract.Deployment;
import dev.parley.testkit.contract.OfflineContract;
import dev.parley.testkit.contract.PushProviders;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded mode as a contract {@link Deployment}: one in-process {@link ParleyServer} on an
 * ephemeral port with its RocksDB store in a fresh temporary folder, started once per test class
 * (register it as a static {@code @RegisterExtension} field) and stopped and deleted after it;
 * {@link #withPushProviders()} also runs the local APNs, FCM and Web Push of the push contract.
 *
 * <p>Configured like production except for what makes tests fast or limits testable: cheap
 * password hashing, a group limit of 6, a 6 s heartbeat timeout, a rate limit high enough for
 * pipelined bursts of a few hundred messages yet cheap to exceed on purpose, and neither a per-user
 * send limit nor a per-address login limit (the suite registers and logs in everyone from one
 * address; both limits have their own tests in parley-server).
 */
public final class EmbeddedDeployment implements Deployment, BeforeAllCallback, AfterAllCallback {
    /** The limits this deployment runs with. */
    public static final Limits LIMITS = new Limits(131_072, 65_536, 6, 500, 1_000);
    /** Heartbeat (idle) timeout: short, so that the contract can watch a silent connection time out. */
    public static final int IDLE_TIMEOUT_SECONDS = 6;

    private final boolean withPushProviders;
    private Path dataDir;
    private ParleyServer server;
    private LocalPushProviders pushProviders;

    /** A deployment whose pushes go to webhooks only (the providers are off). */
    public EmbeddedDeployment() {
        this(false);
    }

    private EmbeddedDeployment(boolean withPushProviders) {
        this.withPushProviders = withPushProviders;
    }

    /** A deployment that also starts the local APNs, FCM and Web Push providers and uses them. */
    public static EmbeddedDeployment withPushProviders() {
        return new EmbeddedDeployment(true);
    }

    /** The configuration of an embedded test server storing under {@code dataDir}. */
    public static ServerConfig config(Path dataDir) {
        return config(dataDir, Map.of());
    }

    /** The same, with more settings as {@code PARLEY_*} environment variables. */
    public static ServerConfig config(Path dataDir, Map<String, String> env) {
        // the contract's webhook receiver is on loopback, so private destinations are allowed here only
        Map<String, String> all = new java.util.HashMap<>(Map.of("PARLEY_PUSH_ALLOW_PRIVATE_ADDRESSES", "true",
                "PARLEY_PUSH_MIN_INTERVAL_SECONDS", Integer.toString(OfflineContract.PUSH_MIN_INTERVAL_SECONDS),
                "PARLEY_PUSH_WEBHOOK_SECRET", OfflineContract.WEBHOOK_SECRET));
        all.putAll(env);
        ServerConfig d = ServerConfig.load(null, all);
        ServerConfig.Server s = d.server();
        return d.withLimits(new ServerConfig.Limits(LIMITS.maxBodyBytes(), LIMITS.maxGroupMembers(),
                        d.limits().inboxRetentionDays(), LIMITS.rateLimitPerSecond(), LIMITS.rateLimitBurst(),
                        d.limits().maxOutboundBytes(), d.limits().syncBatchSize(), 1_024, 1)
                        .withAbuse(ServerConfig.Abuse.permissive()))
                .withServer(new ServerConfig.Server(s.id(), "127.0.0.1", 0, s.tls(), LIMITS.maxFrameBytes(),
                        IDLE_TIMEOUT_SECONDS, 1))
                .withDataDir(dataDir);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory(workDir(), "embedded-");
        Map<String, String> env = Map.of();
        if (withPushProviders) {
            // before the server: its configuration points at them
            pushProviders = LocalPushProviders.start(Files.createDirectories(dataDir.resolve("push-providers")));
            env = pushProviders.serverEnv();
        }
        server = ParleyServer.start(config(dataDir.resolve("data"), env));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (server != null) {
                server.close();
            }
            if (pushProviders != null) {
                pushProviders.close();
            }
        } catch (Exception e) {
            throw new IOException("cannot stop the embedded deployment", e);
        } finally {
            server = null;
            pushProviders = null;
            deleteRecursively(dataDir);
        }
    }

    @Override
    public List<URI> servers() {
        if (server == null) {
            throw new IllegalStateException("the embedded server runs only while its test class runs");
        }
        return List.of(URI.create(server.listenUrl()));
    }

    @Override
    public PushProviders pushProviders() {
        if (pushProviders == null) {
            throw new UnsupportedOperationException("this embedded deployment runs no push providers: "
                    + "register EmbeddedDeployment.withPushProviders()");
        }
        return pushProviders;
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public Limits limits() {
        return LIMITS;
    }

    /** Where integration tests keep their files: {@code target/it-work} under Maven, else the temp folder. */
    static Path workDir() throws IOException {
        String configured = System.getProperty("parley.it.workdir");
        Path dir = configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "parley-it");
        return Files.createDirectories(dir);
    }

    static void deleteRecursively(Path dir) throws IOException {
        WorkDirs.deleteRecursively(dir);
    }
}
