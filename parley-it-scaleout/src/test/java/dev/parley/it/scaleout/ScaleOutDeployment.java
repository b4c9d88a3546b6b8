package dev.parley.it.scaleout;

import dev.parley.devservices.DevServices;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import dev.parley.push.LocalPushProviders;
import dev.parley.testkit.contract.Deployment;
import dev.parley.testkit.contract.PushProviders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The scale-out mode as a contract {@link Deployment}: three chat server processes
 * ({@link ScaleOutFleet}) with {@code store.type: cassandra}, {@code router.type: kafka} and
 * {@code presence.type: redis}, on real Cassandra, Kafka and Redis processes started by the
 * project's dev services, and pushing to the local APNs, FCM and Web Push of the push contract
 * (started before the servers). Register it as a static {@code @RegisterExtension} field.
 *
 * <p>The dev services and the fleet start once per test JVM, by the first class that needs them,
 * and are shared by every class (they live in the root {@link ExtensionContext} store, which stops
 * the fleet and then the services when the whole run ends): starting three JVMs, Kafka and
 * Cassandra per class would take longer than the tests themselves. Tests that kill a server or a
 * service put it back before they end.
 *
 * <p>{@link #servers()} lists all three servers, so the contract tests, which spread their devices
 * over them round-robin, talk across servers. When Redis, Kafka or Cassandra cannot run here
 * (redis-server not installed, jars not built) the tests are skipped locally and fail in CI, as
 * {@link DevServicesExtension} decides.
 */
public final class ScaleOutDeployment implements Deployment, BeforeAllCallback {
    /** The limits of the fleet: those of the embedded contract run. */
    public static final Limits LIMITS = new Limits(131_072, 65_536, 6, 500, 1_000);
    /** Heartbeat (idle) timeout, as in the embedded run: short, so a contract can watch a silent connection time out. */
    public static final int IDLE_TIMEOUT_SECONDS = 6;

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ScaleOutDeployment.class);

    private final DevServicesExtension services = DevServicesExtension.of(Service.REDIS, Service.KAFKA, Service.CASSANDRA);
    private volatile ScaleOutFleet fleet;
    private volatile LocalPushProviders pushProviders;

    @Override
    public void beforeAll(ExtensionContext context) throws InterruptedException {
        services.beforeAll(context); // starts (or joins) the JVM's dev services; skips the class if they cannot run
        DevServices running = services.devServices();
        for (Service s : Service.values()) {
            if (!running.isRunning(s)) {
                running.restart(s); // an outage test that failed before restarting it
            }
        }
        Shared shared = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Shared.class, k -> new Shared(), Shared.class);
        fleet = shared.fleet(running);
        pushProviders = shared.pushProviders;
        fleet.restartDead();
    }

    /** The fleet; available from {@code @BeforeAll} on. */
    ScaleOutFleet fleet() {
        ScaleOutFleet f = fleet;
        if (f == null) {
            throw new IllegalStateException("the scale-out fleet runs only while its test class runs");
        }
        return f;
    }

    /** The dev services the fleet runs on (to stop, kill or restart Kafka, Redis, Cassandra). */
    DevServices devServices() {
        return services.devServices();
    }

    @Override
    public List<URI> servers() {
        return fleet().uris();
    }

    @Override
    public PushProviders pushProviders() {
        LocalPushProviders p = pushProviders;
        if (p == null) {
            throw new IllegalStateException("the scale-out fleet runs only while its test class runs");
        }
        return p;
    }

    @Override
    public String name() {
        return "scale-out x" + ScaleOutFleet.SIZE;
    }

    @Override
    public Limits limits() {
        return LIMITS;
    }

    /** Where integration tests keep their files: {@code target/it-work} under Maven, else the temp folder. */
    static Path workDir() {
        String configured = System.getProperty("parley.it.workdir");
        Path dir = configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "parley-it");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One fleet per test JVM, in the root store: closed by JUnit when the run ends, before the dev
     * services stored earlier (values are closed in reverse order of insertion). A failed start is
     * remembered, so later classes fail at once with the same cause instead of trying again.
     */
    @SuppressWarnings("deprecation")
    private static final class Shared implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private ScaleOutFleet fleet;
        private LocalPushProviders pushProviders;
        private RuntimeException failure;

        synchronized ScaleOutFleet fleet(DevServices services) {
            if (failure != null) {
                throw failure;
            }
            if (fleet == null) {
                try {
                    // before the servers: their configuration points at them
                    pushProviders = LocalPushProviders.start(Files.createTempDirectory(workDir(), "push-providers-"));
                    fleet = ScaleOutFleet.start(services, workDir(), pushProviders.serverEnv());
                } catch (IOException e) {
                    failure = new UncheckedIOException(e);
                    throw failure;
                } catch (RuntimeException e) {
                    failure = e;
                    throw e;
                }
            }
            return fleet;
        }

        @Override
        public synchronized void close() throws Exception {
            try {
                if (fleet != null) {
                    fleet.close();
                }
            } finally {
                if (pushProviders != null) {
                    pushProviders.close();
                }
            }
        }
    }
}
