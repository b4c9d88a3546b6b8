package dev.parley.testkit.contract;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyAccounts.DeviceLogin;
import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClient;
import dev.parley.testkit.Waits;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture: registers users with unique names (a readable prefix plus a random suffix, so
 * tests sharing one deployment never collide), logs devices in, and connects SDK clients and raw
 * WebSockets to them. Devices are placed on the deployment's servers round-robin, so with several
 * servers the users of a test sit on different servers.
 *
 * <p>Thread-safe. {@link #close()} closes every client and socket it opened.
 */
public final class TestUsers implements AutoCloseable {
    /** Password of every test user. */
    public static final String PASSWORD = "correct horse battery staple";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** A registered user. */
    public record User(String name) {
    }

    /** A logged-in device of a user: its id, its bearer token, and the server it talks to. */
    public record Device(User user, String id, String token, URI server) {
        /** The user's name. */
        public String name() {
            return user.name();
        }

        @Override
        public String toString() {
            return "Device[" + user.name() + "/" + id + " @ " + server + "]";
        }
    }

    /** A connected SDK client of a device and the listener recording what it saw. */
    public record Client(Device device, ParleyClient sdk, RecordingListener events) {
        /** The user's name. */
        public String name() {
            return device.name();
        }
    }

    private final Deployment deployment;
    private final List<URI> servers;
    private final AtomicInteger nextServer = new AtomicInteger();
    private final Map<URI, ParleyAccounts> rest = new ConcurrentHashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    public TestUsers(Deployment deployment) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.servers = List.copyOf(deployment.servers());
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("deployment " + deployment.name() + " has no servers");
        }
    }

    /** The deployment's servers. */
    public List<URI> servers() {
        return servers;
    }

    /** The deployment. */
    public Deployment deployment() {
        return deployment;
    }

    /** The next server in round-robin order. */
    public URI nextServer() {
        return servers.get(Math.floorMod(nextServer.getAndIncrement(), servers.size()));
    }

    /** The REST client of a server. */
    public ParleyAccounts rest(URI server) {
        return rest.computeIfAbsent(server, ParleyAccounts::of);
    }

    /** The REST client of the device's server. */
    public ParleyAccounts rest(Device device) {
        return rest(device.server());
    }

    /** A fresh unique username starting with {@code prefix} (lowercase letters, at most 20 characters). */
    public static String uniqueName(String prefix) {
        StringBuilder sb = new StringBuilder(prefix.length() + 11).append(prefix).append('-');
        for (int i = 0; i < 10; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** Registers a user with a unique name starting with {@code prefix}. */
    public User register(String prefix) {
        String name = uniqueName(prefix);
        String stored = await(rest(nextServer()).register(name, PASSWORD));
        if (!name.equals(stored)) {
            throw new AssertionError("server stored user " + name + " as " + stored);
        }
        return new User(name);
    }

    /** Logs a new device of the user in, on the next server. */
    public Device login(User user) {
        return login(user, nextServer());
    }

    /** Logs a new device of the user in, on {@code server}. */
    public Device login(User user, URI server) {
        DeviceLogin login = await(rest(server).login(user.name(), PASSWORD, "test-" + user.name()));
        if (!user.name().equals(login.user())) {
            throw new AssertionError("login of " + user.name() + " answered for " + login.user());
        }
        return new Device(user, login.device(), login.token(), server);
    }

    /** Registers a user and logs one device in. */
    public Device newDevice(String prefix) {
        return login(register(prefix));
    }

    /** Registers a user, logs one device in and connects it (in-memory cursor). */
    public Client newClient(String prefix) {
        return connect(newDevice(prefix));
    }

    /** Connects the device with a new in-memory cursor store and waits until its first sync is done. */
    public Client connect(Device device) {
        return connect(device, CursorStore.inMemory());
    }

    /** Connects the device with {@code cursors} and waits until its first sync is done. */
    public Client connect(Device device, CursorStore cursors) {
        return connect(device, device.server(), cursors, new RecordingListener());
    }

    /**
     * Connects the device to {@code server} (which may be a proxy in front of a server) with
     * {@code cursors} and {@code listener}, and waits until its first sync is done.
     */
    public Client connect(Device device, URI server, CursorStore cursors, RecordingListener listener) {
        Client c = start(device, server, cursors, listener);
        await(c.sdk().connect());
        return c;
    }

    /** Builds and registers a client but does not connect it. */
    public Client start(Device device, URI server, CursorStore cursors, RecordingListener listener) {
        ParleyClient sdk = builder(device, server).cursorStore(cursors).listener(listener).build();
        track(sdk);
        return new Client(device, sdk, listener);
    }

    /** An SDK builder for the device with test-friendly timings (fast reconnects). */
    public ParleyClient.Builder builder(Device device, URI server) {
        return ParleyClient.builder(server, device.token())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .requestTimeout(Duration.ofSeconds(10))
                .sendRetry(20, Duration.ofSeconds(60));
    }

    /** Opens a raw WebSocket as the device (token in the {@code Authorization} header) and reads its welcome. */
    public RawSocket raw(Device device) {
        RawSocket s = RawSocket.open(device.server(), device.token());
        track(s);
        return s;
    }

    /** Closes {@code c} when this fixture closes. */
    public <T extends AutoCloseable> T track(T c) {
        synchronized (open) {
            open.add(c);
        }
        return c;
    }

    /** Closes every client and socket opened through this fixture. */
    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
            open.clear();
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // closing test clients must not hide the test's own result
            }
        }
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        return Waits.join(f, TIMEOUT);
    }
}
