package dev.parley.web;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyListener;
import dev.parley.server.ParleyServer;
import dev.parley.server.config.ServerConfig;
import dev.parley.testkit.TcpProxy;
import dev.parley.testkit.WorkDirs;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-process embedded Parley server for the browser tests, on an ephemeral 127.0.0.1 port
 * with its RocksDB store in a fresh folder under {@code target/web-work}, started once per test
 * class (a static {@code @RegisterExtension} field) and stopped and deleted after it. Browsers
 * reach it through {@link TcpProxy}s, so that a test can cut one browser's network while the
 * server and everyone else go on.
 */
final class WebServer implements BeforeAllCallback, AfterAllCallback {
    private final int maxBodyBytes;
    private final dev.parley.push.webpush.VapidKeyPair webPushKeys;
    private final List<TcpProxy> proxies = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private Path dataDir;
    private ParleyServer server;

    WebServer() {
        this(65_536);
    }

    WebServer(int maxBodyBytes) {
        this(maxBodyBytes, null);
    }

    private WebServer(int maxBodyBytes, dev.parley.push.webpush.VapidKeyPair webPushKeys) {
        this.maxBodyBytes = maxBodyBytes;
        this.webPushKeys = webPushKeys;
    }

    /** A server that sends Web Push, with a fresh VAPID key pair. */
    static WebServer withWebPush() {
        return new WebServer(65_536, dev.parley.push.webpush.VapidKeyPair.generate());
    }

    /** The VAPID public key browsers subscribe with (null without Web Push). */
    String webPushPublicKey() {
        return webPushKeys == null ? null : webPushKeys.publicKey();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory(workDir(), "server-");
        // Cheap password hashing keeps registrations fast; everything else is the stock configuration
        // but the limits per address and per user (every browser of a test comes from 127.0.0.1),
        // lifted as in parley-it's EmbeddedDeployment, and the admin listener's fixed port.
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "PARLEY_SERVER_HOST", "127.0.0.1",
                "PARLEY_SERVER_PORT", "0",
                "PARLEY_STORE_DATA_DIR", dataDir.toString(),
                "PARLEY_LIMITS_MAX_BODY_BYTES", Integer.toString(maxBodyBytes),
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "1024",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1",
                "PARLEY_SERVER_ADMIN_PORT", "0"));
        if (webPushKeys != null) {
            env.putAll(Map.of("PARLEY_PUSH_WEBPUSH_ENABLED", "true",
                    "PARLEY_PUSH_WEBPUSH_PUBLIC_KEY", webPushKeys.publicKey(),
                    "PARLEY_PUSH_WEBPUSH_PRIVATE_KEY", webPushKeys.privateKey(),
                    "PARLEY_PUSH_WEBPUSH_SUBJECT", "mailto:tests@parley.invalid"));
        }
        ServerConfig config = ServerConfig.load(null, env);
        server = ParleyServer.start(config.withLimits(config.limits().withAbuse(ServerConfig.Abuse.permissive())));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            for (AutoCloseable c : clients) {
                c.close();
            }
            proxies.forEach(TcpProxy::close);
            if (server != null) {
                server.close();
            }
        } finally {
            server = null;
            deleteRecursively(dataDir);
        }
    }

    /** The server's own address (no proxy), e.g. for SDK clients. */
    URI uri() {
        return URI.create(server.listenUrl());
    }

    /** A new proxy in front of the server, closed with it: one per browser whose network a test cuts. */
    TcpProxy proxy() throws IOException {
        TcpProxy p = TcpProxy.start(uri());
        proxies.add(p);
        return p;
    }

    /** Cuts every connection through {@code proxy} and refuses new ones, like a network that went away. */
    static void cut(TcpProxy proxy) throws IOException {
        proxy.retarget(List.of(deadAddress()));
        proxy.dropAll();
    }

    /** Lets {@code proxy} reach the server again. */
    void restore(TcpProxy proxy) {
        proxy.retarget(List.of(uri()));
    }

    /** An SDK user: registered, logged in and connected; closed with the server. */
    ParleyClient sdkUser(String name, ParleyListener listener) throws Exception {
        ParleyAccounts accounts = ParleyAccounts.of(uri());
        accounts.register(name, Browser.PASSWORD).get(10, TimeUnit.SECONDS);
        ParleyAccounts.DeviceLogin login = accounts.login(name, Browser.PASSWORD, "sdk").get(10, TimeUnit.SECONDS);
        ParleyClient client = ParleyClient.builder(uri(), login.token()).listener(listener)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
        clients.add(client);
        client.connect().get(15, TimeUnit.SECONDS);
        return client;
    }

    /** A loopback address where nothing listens: connections to it are refused. */
    private static URI deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    /** Where the browser tests keep their files: {@code target/web-work} under Maven, else the temp folder. */
    static Path workDir() throws IOException {
        String configured = System.getProperty("parley.web.workdir");
        Path dir = configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "parley-web");
        return Files.createDirectories(dir);
    }

    static void deleteRecursively(Path dir) throws IOException {
        WorkDirs.deleteRecursively(dir);
    }
}
