package dev.parley.devservices;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs real Redis / Kafka / Cassandra processes for tests:
 *
 * <pre>{@code
 * @RegisterExtension
 * static DevServicesExtension services = DevServicesExtension.of(Service.REDIS, Service.KAFKA, Service.CASSANDRA);
 *
 * @Test void presence() { connect(services.redisUri()); ... }
 * }</pre>
 *
 * <p>The services start once per test JVM, on free ports, in a temporary folder, and are shared by
 * every test class that registers this extension (a class that asks for a service not yet running
 * adds it). They are kill -9'd and the folder deleted when the whole test run ends. A test that
 * stops or kills a shared service must {@link DevServices#restart restart} it before it finishes.
 * Test methods may also take a {@link DevServices} parameter.
 *
 * <p>When a prerequisite is missing (redis-server not installed, Kafka/Cassandra jars not built),
 * tests are skipped with the message saying how to fix it, except in CI ({@code CI=true}) or with
 * {@code -Dparley.devservices.required=true}, where they fail. A service that fails to start always
 * fails the tests, with the last lines of its log.
 */
public final class DevServicesExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    /** System property that turns skipping on a missing prerequisite into a failure, as in CI. */
    public static final String REQUIRED_PROPERTY = "parley.devservices.required";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevServicesExtension.class);
    private static final String KEY = "dev-services";

    private final Set<Service> wanted;
    private volatile DevServices services;

    private DevServicesExtension(Set<Service> wanted) {
        this.wanted = wanted;
    }

    /** An extension that needs the given services (at least one). */
    public static DevServicesExtension of(Service first, Service... more) {
        EnumSet<Service> s = EnumSet.of(Objects.requireNonNull(first, "first"), more);
        return new DevServicesExtension(s);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ensure(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ensure(context); // registered on an instance field: no beforeAll
    }

    private void ensure(ExtensionContext context) {
        // A closed set belongs to an earlier run in this JVM (surefire reruns a failed test in
        // a new launch): start (or join) this run's.
        if (services != null && services.isOpen() && services.services().containsAll(wanted)) {
            return;
        }
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        Shared shared = store.getOrComputeIfAbsent(KEY, k -> new Shared(), Shared.class);
        try {
            services = shared.ensure(wanted);
        } catch (DevServicesException e) {
            if (e.isMissingPrerequisite() && !required()) {
                Assumptions.abort("dev services " + wanted + " unavailable: " + e.getMessage());
            }
            throw e;
        }
    }

    private static boolean required() {
        return Host.isCi() || Boolean.getBoolean(REQUIRED_PROPERTY);
    }

    /** The running services; available from {@code @BeforeAll} on. */
    public DevServices devServices() {
        DevServices s = services;
        if (s == null) {
            throw new IllegalStateException("dev services are not started yet: register the extension on a static field "
                    + "with @RegisterExtension and use it from @BeforeAll / @BeforeEach / tests");
        }
        return s;
    }

    /** See {@link DevServices#redisUri()}. */
    public String redisUri() {
        return devServices().redisUri();
    }

    /** See {@link DevServices#kafkaBootstrap()}. */
    public String kafkaBootstrap() {
        return devServices().kafkaBootstrap();
    }

    /** See {@link DevServices#cassandraContactPoint()}. */
    public InetSocketAddress cassandraContactPoint() {
        return devServices().cassandraContactPoint();
    }

    /** See {@link DevServices#cassandraLocalDatacenter()}. */
    public String cassandraLocalDatacenter() {
        return devServices().cassandraLocalDatacenter();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == DevServices.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        ensure(extensionContext);
        return devServices();
    }

    /**
     * One set of services per test JVM, in the root store: closed by JUnit when the run ends
     * (AutoCloseable since JUnit 5.13; CloseableResource for older engines or when that is off).
     */
    @SuppressWarnings("deprecation")
    private static final class Shared implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private DevServices services;
        private DevServicesException failure;
        private boolean closed;

        synchronized DevServices ensure(Set<Service> wanted) {
            if (closed) {
                throw new IllegalStateException("dev services already closed");
            }
            if (failure != null) {
                throw failure; // one failed start per run is enough: later classes report the same cause
            }
            if (services == null) {
                Path dir;
                try {
                    dir = Files.createTempDirectory("parley-devservices-");
                } catch (IOException e) {
                    throw new DevServicesException("cannot create a temporary folder: " + e.getMessage(), e);
                }
                try {
                    services = DevServices.start(dir, wanted, DevServices.Ports.free());
                } catch (DevServicesException e) {
                    failure = e;
                    if (e.isMissingPrerequisite()) {
                        DevServices.deleteRecursively(dir); // nothing ran; otherwise the folder keeps the logs the message names
                    }
                    throw e;
                }
                services.throwaway();
            } else {
                services.ensureStarted(wanted);
            }
            return services;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (services != null) {
                services.close();
            }
        }
    }
}
