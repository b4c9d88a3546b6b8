package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.ConversationWrite;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scale-out store: accounts, conversations, the message log, inboxes, device cursors and
 * receipt watermarks in Apache Cassandra. Several chat server processes may use one keyspace at
 * once; sequence numbers and inbox cursors stay gap-free and every inbox gets a conversation's
 * entries in sequence order, without multi-partition transactions. The package documentation
 * describes the tables, the consistency level of every statement, and the protocol.
 *
 * <p><b>Threading.</b> Every port method returns at once; no method blocks the caller except the
 * constructors (connect, create the schema, prepare the statements) and {@link #close}. Stages
 * complete on the store's completion thread, never on a driver I/O thread: dependent stages
 * attached with the non-async methods run there and must not block. Null arguments and a
 * non-positive {@code limit} are programming errors and throw at once; every other failure
 * completes the stage exceptionally with a {@link ParleyException}: {@code UNAVAILABLE} with the
 * driver's exception as the cause when Cassandra cannot be reached or does not answer in time (a
 * send that failed so may still have been stored: its retry, with the same client message id,
 * answers with it and completes its fan-out).
 */
public final class CassandraStore implements AccountStore, MessageStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CassandraStore.class);
    private static final long CLOSE_WAIT_SECONDS = 30;
    private static final long SWEEP_SECONDS = 30;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final CassandraConfig config;
    private final CqlSession session;
    private final boolean ownsSession;
    private final ScheduledExecutorService timer;
    private final ExecutorService work;
    private final ExecutorService completer;
    private final ScheduledFuture<?> sweeper;
    private final Accounts accounts;
    private final Inboxes inboxes;
    private final Conversations conversations;
    private final Receipts receipts;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private CompletableFuture<Long> lastPrune = CompletableFuture.completedFuture(0L);

    /**
     * Connects to the cluster, creates the keyspace and tables if missing, and prepares every
     * statement. Blocks until done.
     *
     * @param clock the source of message, inbox and receipt timestamps
     * @throws ParleyException {@code UNAVAILABLE} when the cluster cannot be reached
     */
    public CassandraStore(CassandraConfig config, Clock clock) {
        this(connect(config), true, config, clock);
    }

    /** Connects with the UTC system clock; see {@link #CassandraStore(CassandraConfig, Clock)}. */
    public CassandraStore(CassandraConfig config) {
        this(config, Clock.systemUTC());
    }

    /** Over a session owned by the caller (tests share one); creates the schema if missing. */
    CassandraStore(CqlSession session, boolean ownsSession, CassandraConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        this.session = Objects.requireNonNull(session, "session");
        this.ownsSession = ownsSession;
        try {
            Schema.create(session, config.keyspace(), config.replicationFactor(), config.requestTimeout());
            Statements statements = new Statements(session, config.keyspace());
            this.timer = Executors.newSingleThreadScheduledExecutor(threads("parley-cassandra-timer"));
            this.work = Executors.newFixedThreadPool(2, threads("parley-cassandra-work"));
            this.completer = Executors.newSingleThreadExecutor(threads("parley-cassandra-complete"));
            Cql cql = new Cql(session, config.localConsistency()
                    ? DefaultConsistencyLevel.LOCAL_SERIAL : DefaultConsistencyLevel.SERIAL);
            Env env = new Env(cql, statements, clock, timer, work, config.fanoutHelpAfter(), config.requestTimeout());
            this.accounts = new Accounts(env);
            this.inboxes = new Inboxes(env);
            this.conversations = new Conversations(env, inboxes);
            this.receipts = new Receipts(env, conversations, inboxes);
        } catch (RuntimeException e) {
            if (ownsSession) {
                session.close();
            }
            throw Cql.map(e);
        }
        this.sweeper = timer.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        log.info("Cassandra store open: keyspace {}, {} consistency, contact points {}", config.keyspace(),
                config.localConsistency() ? "LOCAL_QUORUM/LOCAL_SERIAL" : "QUORUM/SERIAL", config.contactPoints());
    }

    /** A driver session configured from {@code config}. Blocks until connected. */
    static CqlSession connect(CassandraConfig config) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.requestTimeout())
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY,
                        config.localConsistency() ? "LOCAL_QUORUM" : "QUORUM")
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY,
                        config.localConsistency() ? "LOCAL_SERIAL" : "SERIAL")
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, config.driverMetadata())
                .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, config.driverMetadata())
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, config.requestTimeout())
                // The store drains its own requests before closing the session: no need for Netty's
                // default two-second quiet period on shutdown.
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                // Write timestamps come from Java's clock: the optional native (JNR) clock is excluded.
                .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true)
                .build();
        try {
            return CqlSession.builder()
                    .addContactPoints(config.contactPoints())
                    .withLocalDatacenter(config.localDatacenter())
                    .withConfigLoader(loader)
                    .build();
        } catch (RuntimeException e) {
            throw new ParleyException(ErrorCode.UNAVAILABLE, "cannot connect to Cassandra at "
                    + config.contactPoints() + ": " + e.getMessage(), e);
        }
    }

    // ---- AccountStore

    @Override
    public CompletionStage<Boolean> createUser(User user) {
        Objects.requireNonNull(user, "user");
        return run(() -> accounts.createUser(user));
    }

    @Override
    public CompletionStage<Optional<User>> findUser(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> accounts.findUser(userId));
    }

    /** {@inheritDoc} Fails with {@code USER_NOT_FOUND} when no user has that id. */
    @Override
    public CompletionStage<Void> updateUser(User user) {
        Objects.requireNonNull(user, "user");
        return run(() -> accounts.updateUser(user));
    }

    /** {@inheritDoc} Replacing a device with a new token hash removes the old hash from the index. */
    @Override
    public CompletionStage<Void> putDevice(Device device) {
        Objects.requireNonNull(device, "device");
        return run(() -> accounts.putDevice(device));
    }

    @Override
    public CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        return run(() -> accounts.findDeviceByTokenHash(tokenHash));
    }

    @Override
    public CompletionStage<List<Device>> devicesOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> accounts.devicesOf(userId));
    }

    /** {@inheritDoc} The device's inbox cursor is deleted with it. */
    @Override
    public CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return run(() -> accounts.deleteDevice(userId, deviceId));
    }

    // ---- MessageStore

    /**
     * {@inheritDoc}
     *
     * @implNote When the id exists and its creation's entries are not all written yet (its creator
     *     may have crashed), this call writes them before answering {@code applied = false}.
     */
    @Override
    public CompletionStage<ConversationWrite> createConversation(Conversation conversation, String actorId) {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(actorId, "actorId");
        return run(() -> conversations.create(conversation, actorId));
    }

    @Override
    public CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> conversations.find(conversationId));
    }

    @Override
    public CompletionStage<List<Conversation>> conversationsOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> conversations.of(userId));
    }

    /**
     * {@inheritDoc} Fails with {@code CONVERSATION_NOT_FOUND} when the conversation does not exist.
     *
     * @implNote A change commits only when every message already claimed in the conversation is in
     *     its members' inboxes (this call waits, and helps a stalled fan-out); the membership
     *     entries are then written before any later message's entries. The event's conversation is
     *     recorded as {@code updated}.
     */
    @Override
    public CompletionStage<ConversationWrite> updateConversation(Conversation updated,
                                                                 InboxEvent.MembershipChanged event,
                                                                 List<String> notify) {
        Objects.requireNonNull(updated, "updated");
        Objects.requireNonNull(event, "event");
        List<String> recipients = List.copyOf(notify);
        return run(() -> conversations.update(updated, event, recipients));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote The idempotency key is (sender, sender device, client message id) within the
     *     conversation, and is kept as long as the message. A retry is recognised before membership is
     *     checked, so a sender removed after the first attempt still gets the first message. A retry
     *     whose first attempt was stored but not fanned out (its server crashed) completes the
     *     fan-out before answering.
     */
    @Override
    public CompletionStage<AppendResult> appendMessage(NewMessage message) {
        Objects.requireNonNull(message, "message");
        return run(() -> conversations.append(message));
    }

    @Override
    public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(query, "query");
        requirePositive(query.limit());
        return run(() -> conversations.history(conversationId, query));
    }

    @Override
    public CompletionStage<Long> lastSeq(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> conversations.lastSeq(conversationId));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote Entries removed by {@link #pruneInboxes} are simply absent: an inbox always holds a
     *     contiguous run of cursors ending at its head.
     */
    @Override
    public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        Objects.requireNonNull(userId, "userId");
        requirePositive(limit);
        return run(() -> inboxes.read(userId, after, limit));
    }

    @Override
    public CompletionStage<Long> inboxHead(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> inboxes.head(userId));
    }

    @Override
    public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return run(() -> accounts.deviceCursor(userId, deviceId));
    }

    @Override
    public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return run(() -> accounts.saveDeviceCursor(userId, deviceId, cursor));
    }

    /**
     * {@inheritDoc} When the conversation does not exist or the user is not (or no longer) a member,
     * completes with an empty map and writes nothing.
     *
     * @implNote Only current members receive receipt entries. When more than 10,000 messages are
     *     newly covered, the senders are not looked up: every other member gets the entry. A call
     *     that finds receipt entries of an earlier raise missing (its writer crashed) writes them
     *     and returns them.
     */
    @Override
    public CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                                     ReceiptKind kind, long upTo) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(kind, "kind");
        return run(() -> receipts.advance(conversationId, userId, kind, upTo));
    }

    /** {@inheritDoc} Empty when the conversation does not exist. */
    @Override
    public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> receipts.watermarks(conversationId));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote Scans every inbox partition (a full token-range scan of the inbox table's partition
     *     keys) and deletes, per inbox, the leading run of entries older than the cutoff with one
     *     range delete. Cost: one read per inbox plus the old entries; run it rarely (daily). Concurrent
     *     calls run one after the other. Inbox heads are kept.
     */
    @Override
    public synchronized CompletionStage<Long> pruneInboxes(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        CompletableFuture<Long> run = lastPrune.handle((r, e) -> null)
                .thenCompose(ignored -> run(() -> inboxes.prune(cutoff)).toCompletableFuture());
        lastPrune = run;
        return run;
    }

    // ---- test hooks (package-private)

    /** Claims a message's sequence number without fanning it out, as a server crashing right after would. */
    CompletionStage<StoredMessage> claimOnlyForTest(NewMessage message) {
        return run(() -> conversations.claimOnly(message));
    }

    /** Commits a conversation without writing its membership entries or index, as a crashing creator would. */
    CompletionStage<Boolean> createOnlyForTest(Conversation conversation, String actorId) {
        return run(() -> conversations.createOnly(conversation, actorId));
    }

    // ---- lifecycle

    /**
     * Stops accepting requests, waits (up to 30 s) for those in flight, and closes the session
     * (when the store opened it). Requests made afterwards fail with {@code UNAVAILABLE}.
     * Idempotent; blocks the caller.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inFlight.get() > 0) {
            log.warn("closing the Cassandra store with {} requests still in flight", inFlight.get());
        }
        sweeper.cancel(false);
        timer.shutdownNow();
        work.shutdown();
        completer.shutdown();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
            completer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsSession) {
            session.close();
        }
        log.info("Cassandra store closed (keyspace {})", config.keyspace());
    }

    private void sweep() {
        try {
            inboxes.sweep(IDLE_NANOS);
            conversations.sweep(IDLE_NANOS);
        } catch (RuntimeException e) {
            log.error("sweeping idle writers failed", e);
        }
    }

    /** Runs an operation and completes its answer on the completion thread, mapping failures. */
    private <T> CompletionStage<T> run(Supplier<CompletableFuture<T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        if (closed.get()) {
            out.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE, "store closed"));
            return out;
        }
        inFlight.incrementAndGet();
        CompletableFuture<T> stage;
        try {
            stage = op.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((value, error) -> {
            try {
                completer.execute(() -> complete(out, value, error));
            } catch (RejectedExecutionException e) {
                complete(out, value, error);
            }
        });
        return out;
    }

    private <T> void complete(CompletableFuture<T> out, T value, Throwable error) {
        inFlight.decrementAndGet();
        if (error == null) {
            out.complete(value);
            return;
        }
        ParleyException pe = Cql.map(error);
        if (pe.code() == ErrorCode.UNAVAILABLE || pe.code() == ErrorCode.INTERNAL) {
            log.warn("Cassandra store request failed: {}", pe.getMessage());
        }
        out.completeExceptionally(pe);
    }

    private static void requirePositive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
