package dev.parley.core;

import dev.parley.core.account.AccountService;
import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.HashingPool;
import dev.parley.core.account.LoginThrottle;
import dev.parley.core.account.PasswordHasher;
import dev.parley.core.contact.ContactService;
import dev.parley.core.contact.ContactStore;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.delivery.DeviceSession;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.delivery.RequestDispatcher;
import dev.parley.core.delivery.RoutedInboxPublisher;
import dev.parley.core.delivery.RoutedTypingRelay;
import dev.parley.core.delivery.Sessions;
import dev.parley.core.delivery.TokenBuckets;
import dev.parley.core.delivery.Transport;
import dev.parley.core.delivery.Views;
import dev.parley.core.message.InboxPublisher;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.MessagingService;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.core.presence.PresenceService;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushService;
import dev.parley.core.push.PushSettings;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Parley core of one server, wired by constructor from its ports: the composition root,
 * the one class that knows every feature. The network layer calls {@link #authenticate} and
 * {@link #openSession}; REST handlers call the feature services. Monotonic time comes from one
 * ticker (nanoseconds, {@link System#nanoTime()} unless a test passes its own), handed to every
 * limiter, throttle and timer that decides by it.
 * Lifecycle: construct, {@link #start()}, {@link #shutdown(Duration)}, {@link #close()}.
 */
public final class Parley implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Parley.class);

    private final ParleySettings settings;
    private final MessageStore store;
    private final MessageRouter router;
    private final PresenceRegistry presenceRegistry;
    private final Clock clock;
    private final AccountService accounts;
    /** REST requests per device (a WebSocket connection has its own limiter). */
    private final TokenBuckets restRequests;
    private final ConversationService conversations;
    private final ContactService contacts;
    private final MessagingService messaging;
    private final PresenceService presence;
    private final Sessions sessions;
    private final HashingPool hashing;
    private final ScheduledExecutorService timers;
    private final ScheduledExecutorService pushTimers;
    private final PushService push;
    private volatile boolean shuttingDown;

    public Parley(ParleySettings settings, AccountStore accountStore, ContactStore contactStore,
                  ConversationStore conversationStore, MessageStore store, MessageRouter router,
                  PresenceRegistry presenceRegistry, PushSender push, Clock clock, MeterRegistry meters) {
        this(settings, accountStore, contactStore, conversationStore, store, router, presenceRegistry,
                push == null ? List.of() : List.of(push), PushSettings.defaults(), clock, meters);
    }

    public Parley(ParleySettings settings, AccountStore accountStore, ContactStore contactStore,
                  ConversationStore conversationStore, MessageStore store, MessageRouter router,
                  PresenceRegistry presenceRegistry, List<PushSender> pushSenders,
                  PushSettings pushSettings, Clock clock, MeterRegistry meters) {
        this(settings, accountStore, contactStore, conversationStore, store, router, presenceRegistry, pushSenders,
                pushSettings, clock, System::nanoTime, meters);
    }

    /** @param ticker monotonic nanoseconds for every limiter, throttle and push interval of the core */
    public Parley(ParleySettings settings, AccountStore accountStore, ContactStore contactStore,
                  ConversationStore conversationStore, MessageStore store, MessageRouter router,
                  PresenceRegistry presenceRegistry, List<PushSender> pushSenders, PushSettings pushSettings,
                  Clock clock, LongSupplier ticker, MeterRegistry meters) {
        this.settings = settings;
        this.store = store;
        this.router = router;
        this.presenceRegistry = presenceRegistry;
        this.clock = clock;
        int cores = Runtime.getRuntime().availableProcessors();
        this.hashing = new HashingPool(Math.max(1, cores), settings.hashQueueSize());
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("parley-timers"));
        LoginThrottle throttle = new LoginThrottle(settings.loginThrottle(), ticker);
        this.accounts = new AccountService(accountStore,
                new PasswordHasher(settings.argon2MemoryKiB(), settings.argon2Iterations()), hashing, throttle,
                settings.maxDevicesPerUser(), clock);
        meters.gauge("parley.accounts.hashing.queued", hashing, HashingPool::queued);
        meters.gauge("parley.accounts.throttle.entries", throttle, LoginThrottle::size);
        this.contacts = new ContactService(contactStore, accountStore, settings.maxContacts());
        // Inbox entries of every feature leave through this one publisher.
        InboxPublisher inbox = new RoutedInboxPublisher(router, store::announcesEntries);
        this.conversations = new ConversationService(conversationStore, accountStore, contacts, inbox, clock, ticker,
                settings.maxGroupMembers(), settings.membershipChangesPerMinute());
        this.pushTimers = Executors.newSingleThreadScheduledExecutor(daemon("parley-push"));
        this.push = new PushService(pushSenders, pushSettings, accountStore, presenceRegistry, pushTimers, ticker,
                meters);
        this.messaging = new MessagingService(store, conversations, inbox, new RoutedTypingRelay(router), push,
                Views::encodedSize, settings.maxBodyBytes(), ticker, meters);
        this.presence = new PresenceService(presenceRegistry, accountStore, conversationStore, contactStore);
        Counter framesIn = meters.counter("parley.frames.in");
        Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, meters.counter("parley.errors", "code", c.name()));
        }
        RequestDispatcher dispatcher = new RequestDispatcher(accounts, conversations, messaging, presence, contacts, push,
                ticker, framesIn::increment, c -> errors.get(c).increment());
        this.sessions = new Sessions(settings, dispatcher, store, presenceRegistry, ticker);
        meters.gauge("parley.sessions", sessions.registry(), r -> r.size());
        meters.gauge("parley.sessions.send.limits", sessions, Sessions::trackedSendLimits);
        this.restRequests = new TokenBuckets(settings.rateLimitPerSecond(), settings.rateLimitBurst(), ticker);
        meters.gauge("parley.rest.request.limits", restRequests, TokenBuckets::size);
        accounts.onRevoked(router::deviceRevoked);
    }

    /** Starts routing, presence refresh and inbox retention. */
    public void start() {
        router.start(sessions);
        long refresh = Math.max(1000, settings.heartbeatTimeout().toMillis() / 3);
        timers.scheduleWithFixedDelay(this::refreshPresence, refresh, refresh, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::pruneInboxes, 1, 60, TimeUnit.MINUTES);
        timers.scheduleWithFixedDelay(sessions::forgetIdleSendLimits, 60, 60, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(() -> restRequests.forgetIdle(device -> false), 60, 60, TimeUnit.SECONDS);
    }

    public AccountService accounts() {
        return accounts;
    }

    public ConversationService conversations() {
        return conversations;
    }

    public ContactService contacts() {
        return contacts;
    }

    public MessagingService messaging() {
        return messaging;
    }

    public PresenceService presence() {
        return presence;
    }

    /** Push targets of devices and the wake-ups of offline ones. */
    public PushService push() {
        return push;
    }

    public ParleySettings settings() {
        return settings;
    }

    public String serverId() {
        return settings.serverId();
    }

    public int sessionCount() {
        return sessions.registry().size();
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Resolves a bearer token to its device; fails with UNAUTHENTICATED. */
    public CompletionStage<Device> authenticate(String token) {
        return accounts.authenticate(token);
    }

    /**
     * Resolves the bearer token of a REST request and takes one request from its device's rate
     * limit, the same limit as one WebSocket connection's ({@code rateLimitPerSecond},
     * {@code rateLimitBurst}): a device cannot read history without bound by leaving the socket.
     * Fails with UNAUTHENTICATED, or RATE_LIMITED with a retry hint.
     */
    public CompletionStage<Device> authenticateRequest(String token) {
        return accounts.authenticate(token).thenApply(device -> {
            long waitNanos = restRequests.of(device.deviceId()).tryAcquire();
            if (waitNanos > 0) {
                throw ParleyException.rateLimited("too many requests from this device (limit "
                        + restRequests.describe() + ")", waitNanos);
            }
            return device;
        });
    }

    /**
     * Opens the session of an authenticated device on a new connection and sends {@code welcome};
     * call on the transport's executor, before handling any frame of the connection.
     */
    public DeviceSession openSession(Device device, Transport transport) {
        return sessions.open(device, transport);
    }

    /**
     * Tells every connected client to reconnect (to another server, or to this one once it is
     * back), spreading their return over {@code grace}, and closes their connections.
     */
    public void shutdown(Duration grace) {
        shuttingDown = true;
        long spread = Math.max(1, grace.toMillis());
        for (DeviceSession s : sessions.registry().all()) {
            long retryAfter = ThreadLocalRandom.current().nextLong(spread);
            s.closeWith(new dev.parley.protocol.ServerFrame.Reconnect("server shutting down", retryAfter), 1001,
                    "server shutting down");
        }
    }

    private void refreshPresence() {
        try {
            presenceRegistry.refresh(settings.serverId(), sessions.registry().all().stream()
                    .map(s -> s.device().userId()).distinct().toList());
        } catch (RuntimeException e) {
            log.warn("presence refresh failed", e);
        }
    }

    private void pruneInboxes() {
        store.pruneInboxes(clock.instant().minus(settings.inboxRetention())).whenComplete((n, e) -> {
            if (e != null) {
                log.warn("inbox retention pass failed", e);
            } else if (n > 0) {
                log.info("inbox retention removed {} entries older than {}", n, settings.inboxRetention());
            }
        });
    }

    @Override
    public void close() {
        shuttingDown = true;
        timers.shutdownNow();
        pushTimers.shutdownNow();
        hashing.close();
        router.close();
        presenceRegistry.close();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
