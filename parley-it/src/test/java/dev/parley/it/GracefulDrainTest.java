package dev.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyAccounts.DeviceLogin;
import dev.parley.client.ParleyClient;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.ServerProcess;
import dev.parley.testkit.Waits;
import dev.parley.testkit.contract.RecordingListener;
import dev.parley.testkit.contract.TestUsers;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM on a real server process: it drains for {@code server.shutdownGraceSeconds} with
 * {@code /health} answering 503 on both listeners while its port stays open, tells the connected
 * SDK client to reconnect, exits 0 and closes its port; the SDK client comes back by itself once
 * a server listens on that address again, and sends.
 */
@Timeout(180)
class GracefulDrainTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration START = Duration.ofSeconds(60);
    private static final int GRACE_SECONDS = 3;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Path work;
    private int port;

    @BeforeEach
    void workDir() throws IOException {
        work = Files.createTempDirectory(EmbeddedDeployment.workDir(), "drain-");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // the same address for the restarted server
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        EmbeddedDeployment.deleteRecursively(work);
    }

    @Test
    void sigtermDrainsWithHealth503ThenExitsAndTheSdkClientReconnects() throws Exception {
        ServerProcess first = start();
        URI api = first.baseUri();
        URI admin = first.adminUri();
        assertThat(admin).as("the admin listener's address is printed").isNotNull();
        assertThat(admin.getPort()).isNotEqualTo(port);
        ParleyAccounts rest = ParleyAccounts.of(api);
        String name = TestUsers.uniqueName("drain");
        String pal = TestUsers.uniqueName("pal");
        Waits.join(rest.register(name, TestUsers.PASSWORD), WAIT);
        Waits.join(rest.register(pal, TestUsers.PASSWORD), WAIT);
        DeviceLogin login = Waits.join(rest.login(name, TestUsers.PASSWORD, "drain-test"), WAIT);
        RecordingListener events = new RecordingListener();
        ParleyClient client = track(ParleyClient.builder(api, login.token())
                .cursorStore(CursorStore.inMemory())
                .listener(events)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .build());
        Waits.join(client.connect(), WAIT);
        assertThat(status(api.resolve("/health"))).isEqualTo(200);
        assertThat(status(admin.resolve("/metrics"))).isEqualTo(200);
        assertThat(status(api.resolve("/metrics"))).as("no metrics on the API port").isEqualTo(404);

        long start = System.nanoTime();
        first.terminate();
        // The client is told to go and goes.
        Awaitility.await().atMost(WAIT).until(() -> !events.all(RecordingListener.Disconnected.class).isEmpty());
        // During the grace period both listeners still answer, with 503.
        Awaitility.await().atMost(Duration.ofSeconds(GRACE_SECONDS)).until(() -> status(api.resolve("/health")) == 503);
        long drainingFor = (System.nanoTime() - start) / 1_000_000;
        assertThat(drainingFor).isLessThan(GRACE_SECONDS * 1_000L - 500);
        assertThat(status(admin.resolve("/health"))).isEqualTo(503);
        assertThat(first.isAlive()).isTrue();

        // 143 = 128 + SIGTERM: how the JVM reports an exit that a signal started, hooks run.
        assertThat(first.waitForExit(Duration.ofSeconds(GRACE_SECONDS + 30))).as("exit status").isIn(0, 143);
        assertThat((System.nanoTime() - start) / 1_000_000).as("the drain lasted the grace period")
                .isGreaterThanOrEqualTo(GRACE_SECONDS * 1_000L);
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 2_000))
                .isInstanceOf(ConnectException.class);
        assertThat(client.isConnected()).isFalse();

        // A server on the same address again: the SDK reconnects by itself and works.
        ServerProcess second = start();
        Awaitility.await().atMost(WAIT).until(client::isConnected);
        String conv = Waits.join(client.openDirect(pal), WAIT).conv();
        Sent sent = Waits.join(client.send(conv, "back"), WAIT);
        assertThat(sent.seq()).isPositive();
        second.close();
    }

    private ServerProcess start() throws IOException, InterruptedException {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: %d
                  shutdownGraceSeconds: %d
                  admin:
                    port: 0
                store:
                  dataDir: "%s"
                limits:
                  argon2MemoryKiB: 1024
                  argon2Iterations: 1
                """.formatted(port, GRACE_SECONDS, work.resolve("data").toString().replace("\\", "/"));
        ServerProcess p = ServerProcess.start(work, yaml, Map.of(), START);
        open.add(() -> p.kill9());
        return p;
    }

    private int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

}
