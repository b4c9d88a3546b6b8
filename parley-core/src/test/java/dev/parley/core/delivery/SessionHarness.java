package dev.parley.core.delivery;

import dev.parley.core.account.Device;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.MessagingService;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device session of bob over a {@link FakeInboxStore}, with the real dispatcher and messaging
 * service, and a transport whose executor the test runs by hand: every step is deterministic.
 * The conversations are d1 and g1, each with the members bob, alice and carol.
 */
final class SessionHarness implements Transport, Executor {
    static final List<String> CONVERSATIONS = List.of("d1", "g1");
    static final List<String> MEMBERS = List.of("bob", "alice", "carol");

    final FakeInboxStore store = new FakeInboxStore();
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final List<ServerFrame> frames = new ArrayList<>();
    final List<ErrorCode> errorsCounted = new ArrayList<>();
    final List<InboxEntry> published = new ArrayList<>();
    final List<String> typed = new ArrayList<>();
    final List<StoredMessage> pushed = new ArrayList<>();
    /** The ticker every limiter reads; tests advance it instead of sleeping. */
    final AtomicLong nanos = new AtomicLong();
    boolean writable = true;
    final MessagingService messaging;
    final RequestDispatcher dispatcher;
    final DeviceSession session;

    SessionHarness(int batchSize, int requestsPerSecond, int requestBurst) {
        messaging = new MessagingService(store, (conv, user) -> CONVERSATIONS.contains(conv) && MEMBERS.contains(user)
                ? CompletableFuture.completedFuture(MEMBERS)
                : CompletableFuture.failedFuture(new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "no " + conv)),
                published::addAll, (users, conv, user, state) -> typed.add(user + " " + state + " in " + conv + " to "
                + users), (m, recipients) -> pushed.add(m), Views::encodedSize, 16, nanos::get,
                new SimpleMeterRegistry());
        dispatcher = new RequestDispatcher(null, null, messaging, null, null, null, nanos::get, () -> {
        }, errorsCounted::add);
        Device device = new Device("bob", "b1", "", "", java.time.Instant.EPOCH, null, null);
        session = new DeviceSession(device, this, new SessionContext(dispatcher, store, batchSize, s -> {
        }), new RateLimiter(requestsPerSecond, requestBurst, nanos.get()),
                new TokenBuckets(1_000_000, 1_000_000, nanos::get).of("bob"));
    }

    SessionHarness() {
        this(100, 1_000, 1_000);
    }

    void runAll() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    /** Cursors of the inbox entries sent, in order. */
    List<Long> cursorsSent() {
        List<Long> out = new ArrayList<>();
        for (ServerFrame f : frames) {
            if (f instanceof ServerFrame.MessageEvent m) {
                out.add(m.cursor());
            } else if (f instanceof ServerFrame.ReceiptEvent r) {
                out.add(r.cursor());
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    <T extends ServerFrame> List<T> framesOf(Class<T> type) {
        return (List<T>) frames.stream().filter(type::isInstance).toList();
    }

    ServerFrame last() {
        return frames.get(frames.size() - 1);
    }

    @Override
    public void send(ServerFrame frame) {
        frames.add(frame);
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public Executor executor() {
        return this;
    }

    @Override
    public void execute(Runnable command) {
        tasks.add(command);
    }

    @Override
    public void close(int statusCode, String reason) {
        throw new AssertionError("closed: " + statusCode + " " + reason);
    }
}
