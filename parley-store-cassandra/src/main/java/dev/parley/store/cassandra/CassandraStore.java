package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.contact.ContactStore;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scale-out store: accounts, and a queryable projection of the Kafka conversation log
 * (module {@code parley-log-kafka}) in Apache Cassandra. The log's pipeline is the single writer
 * per conversation and per user: it decides every sequence number, inbox cursor, conversation
 * version and watermark, then applies its decisions here with plain, idempotent writes (no
 * lightweight transaction). Applying a decision twice (a replay after a crash, a paused writer
 * waking up late) leaves the same cells, and a value that only rises (a head, a version, a
 * watermark, a cursor) never goes back down when an older write arrives late: each such cell is
 * written {@code USING TIMESTAMP} = its own value, so Cassandra's last-write-wins keeps the highest.
 * The package documentation describes the tables and the consistency level of every statement.
 *
 * <p><b>Threading.</b> Every method returns at once; no method blocks the caller except the
 * constructors (connect, create the schema, prepare the statements) and {@link #close}. Stages
 * complete on the store's completion thread, never on a driver I/O thread: dependent stages
 * attached with the non-async methods run there and must not block. Null arguments, a
 * non-positive {@code limit} and malformed writes (described on each method) are programming
 * errors and throw at once; every other failure completes the stage exceptionally with a
 * {@link ParleyException}: {@code UNAVAILABLE} with the driver's exception as the cause when
 * Cassandra cannot be reached or does not answer in time. A projection write that failed so may
 * have been applied in part or in full; applying it again is always safe.
 *
 * <p>Over 400 lines: the schema, its prepared statements and the rows' mapping are one unit
 * (a column renamed in one is renamed in all), and splitting by port would prepare and hold the
 * same statements twice.
 */
public final class CassandraStore implements AccountStore, ContactStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CassandraStore.class);
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final CassandraConfig config;
    private final CqlSession session;
    private final boolean ownsSession;
    private final ExecutorService completer;
    private final Accounts accounts;
    private final Conversations conversations;
    private final ConversationLog conversationLog;
    private final Inboxes inboxes;
    private final Receipts receipts;
    private final Contacts contacts;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private CompletableFuture<Long> lastPrune = CompletableFuture.completedFuture(0L);

    /**
     * Connects to the cluster, creates the keyspace and tables if missing, and prepares every
     * statement. Blocks until done.
     *
     * @throws ParleyException {@code UNAVAILABLE} when the cluster cannot be reached
     */
    public CassandraStore(CassandraConfig config) {
        this(connect(config), true, config);
    }

    /**
     * As {@link #CassandraStore(CassandraConfig)}; the clock is ignored (every timestamp now comes
     * with the decision being written). Kept so that callers in other modules keep compiling
     * while they move to the one-argument constructor.
     *
     * @deprecated use {@link #CassandraStore(CassandraConfig)}
     */
    @Deprecated(forRemoval = true)
    public CassandraStore(CassandraConfig config, Clock clock) {
        this(config);
    }

    /** Over a session owned by the caller (tests share one); creates the schema if missing. */
    CassandraStore(CqlSession session, boolean ownsSession, CassandraConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.session = Objects.requireNonNull(session, "session");
        this.ownsSession = ownsSession;
        try {
            Schema.create(session, config.keyspace(), config.replicationFactor(), config.requestTimeout());
            Statements statements = new Statements(session, config.keyspace());
            Cql cql = new Cql(session, config.localConsistency()
                    ? DefaultConsistencyLevel.LOCAL_SERIAL : DefaultConsistencyLevel.SERIAL);
            Env env = new Env(cql, statements);
            this.accounts = new Accounts(env);
            this.conversations = new Conversations(env);
            this.conversationLog = new ConversationLog(env);
            this.inboxes = new Inboxes(env);
            this.receipts = new Receipts(env);
            this.contacts = new Contacts(env);
        } catch (RuntimeException e) {
            if (ownsSession) {
                session.close();
            }
            throw Cql.map(e);
        }
        this.completer = Executors.newSingleThreadExecutor(threads("parley-cassandra-complete"));
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
                // A node back from a restart is used again within seconds: the driver's default
                // backoff doubles up to a minute, and every request fails NoNodeAvailable meanwhile.
                .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(4))
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

    // ---- ContactStore

    @Override
    public CompletionStage<Boolean> addContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return run(() -> contacts.add(ownerId, contactId));
    }

    @Override
    public CompletionStage<Boolean> removeContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return run(() -> contacts.remove(ownerId, contactId));
    }

    @Override
    public CompletionStage<List<String>> contactsOf(String ownerId) {
        Objects.requireNonNull(ownerId, "ownerId");
        return run(() -> contacts.of(ownerId));
    }

    @Override
    public CompletionStage<Boolean> hasContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return run(() -> contacts.has(ownerId, contactId));
    }

    @Override
    public CompletionStage<GroupAddPolicy> groupAddPolicy(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> contacts.groupAddPolicy(userId));
    }

    @Override
    public CompletionStage<Void> setGroupAddPolicy(String userId, GroupAddPolicy policy) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(policy, "policy");
        return run(() -> contacts.setGroupAddPolicy(userId, policy));
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

    /** {@inheritDoc} Count, write, count again: two additions racing for the last slot may both be refused. */
    @Override
    public CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
        Objects.requireNonNull(device, "device");
        return run(() -> accounts.addDevice(device, maxDevices));
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

    // ---- projection writes: plain and idempotent, at the session's consistency (QUORUM / LOCAL_QUORUM)

    /**
     * Writes log rows of one conversation and its head (the last seq and its timestamp), in one
     * single-partition batch: the rows and the head become visible together. Each row is written
     * {@code USING TIMESTAMP = } its seq and the head cells {@code USING TIMESTAMP = } the last seq,
     * so the highest head wins whatever the arrival order, and a replay writes identical cells.
     * (Cassandra accepts a timestamp per statement inside a batch as long as the batch itself
     * names none.) Keep one call well below Cassandra's maximum mutation size (half the commit log
     * segment, 16 MiB by default).
     *
     * @param messages messages of {@code conversationId} with consecutive seqs, ascending, the first
     *                 at least 1; empty: nothing is written
     * @throws IllegalArgumentException when a message belongs to another conversation or the seqs
     *                                  are not consecutive and ascending from at least 1
     */
    public CompletionStage<Void> writeMessages(String conversationId, List<StoredMessage> messages) {
        Objects.requireNonNull(conversationId, "conversationId");
        List<StoredMessage> batch = List.copyOf(messages);
        for (int i = 0; i < batch.size(); i++) {
            StoredMessage m = batch.get(i);
            require(m.conversationId().equals(conversationId), "message %s belongs to %s, not %s",
                    m.messageId(), m.conversationId(), conversationId);
            require(i == 0 ? m.seq() >= 1 : m.seq() == batch.get(i - 1).seq() + 1,
                    "seqs must be consecutive and ascending from at least 1; seq %d at index %d", m.seq(), i);
        }
        if (batch.isEmpty()) {
            return done();
        }
        return run(() -> conversationLog.write(conversationId, batch));
    }

    /**
     * Writes a conversation's state (kind, name, members, created by and at, version), an entry of
     * the {@code user_conversations} index for every member, and deletes the index entries of
     * {@code removed}: all {@code USING TIMESTAMP = version}, so an older version arriving late
     * never overwrites a newer one (nor re-adds a user a newer version removed). These are
     * separate statements (the rows are in different partitions), run in parallel; the stage
     * completes when all are written. Until then {@link #conversationsOf} may not list the
     * conversation for a new member yet, and never lists it for a user it does not name.
     *
     * @param removed users removed by this version (their index entries are deleted)
     * @throws IllegalArgumentException when the version is below 1 or a removed user is a member
     */
    public CompletionStage<Void> writeConversation(Conversation conversation, Collection<String> removed) {
        Objects.requireNonNull(conversation, "conversation");
        Set<String> gone = new HashSet<>(removed);
        require(conversation.version() >= 1, "conversation version must be at least 1, was %d",
                conversation.version());
        for (String user : gone) {
            require(!conversation.hasMember(Objects.requireNonNull(user, "removed user")),
                    "%s is both a member and removed", user);
        }
        return run(() -> conversations.write(conversation, gone));
    }

    /**
     * Writes inbox entries of one user and the inbox head in one single-partition batch: all or
     * none become visible. Each entry is written {@code USING TIMESTAMP = } its cursor and the head
     * {@code USING TIMESTAMP = } the highest cursor, so a lower head arriving late never wins and a
     * replay writes identical cells. Entries are self-contained: a
     * {@link dev.parley.core.message.InboxEvent.MessageAdded} row holds the whole message, a
     * {@link dev.parley.core.message.InboxEvent.MembershipChanged} row the conversation snapshot, so
     * {@link #readInbox} never reads the log.
     *
     * @param entries entries of {@code userId} with consecutive cursors, ascending, the first at
     *                least 1; empty: nothing is written
     * @throws IllegalArgumentException when an entry is another user's or the cursors are not
     *                                  consecutive and ascending from at least 1
     */
    public CompletionStage<Void> writeInbox(String userId, List<InboxEntry> entries) {
        Objects.requireNonNull(userId, "userId");
        List<InboxEntry> batch = List.copyOf(entries);
        for (int i = 0; i < batch.size(); i++) {
            InboxEntry e = batch.get(i);
            require(userId.equals(e.userId()), "entry %d is for %s, not %s", e.cursor(), e.userId(), userId);
            Objects.requireNonNull(e.timestamp(), "entry timestamp");
            Objects.requireNonNull(e.event(), "entry event");
            require(i == 0 ? e.cursor() >= 1 : e.cursor() == batch.get(i - 1).cursor() + 1,
                    "cursors must be consecutive and ascending from at least 1; cursor %d at index %d", e.cursor(), i);
        }
        if (batch.isEmpty()) {
            return done();
        }
        return run(() -> inboxes.write(userId, batch));
    }

    /**
     * Writes a user's watermarks in a conversation: the delivered cell {@code USING TIMESTAMP = }
     * {@code marks.deliveredUpTo()} and the read cell {@code USING TIMESTAMP = }
     * {@code marks.readUpTo()}, as two statements of one single-partition batch, so each only rises.
     * A value of 0 is not written (its cell keeps what it holds).
     *
     * @throws IllegalArgumentException when a watermark is negative
     */
    public CompletionStage<Void> writeWatermarks(String conversationId, String userId, Watermarks marks) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(marks, "marks");
        require(marks.deliveredUpTo() >= 0 && marks.readUpTo() >= 0, "watermarks must not be negative, were %s",
                marks);
        if (marks.deliveredUpTo() == 0 && marks.readUpTo() == 0) {
            return done();
        }
        return run(() -> receipts.write(conversationId, userId, marks));
    }

    /**
     * Saves the device's acknowledged inbox cursor {@code USING TIMESTAMP = cursor}: a lower or
     * repeated write never lowers it. 0 writes nothing. After {@link #deleteDevice} the device's
     * cursor stays deleted (device ids are never reused).
     *
     * @throws IllegalArgumentException when the cursor is negative
     */
    public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        require(cursor >= 0, "cursor must not be negative, was %d", cursor);
        if (cursor == 0) {
            return done();
        }
        return run(() -> inboxes.saveCursor(userId, deviceId, cursor));
    }

    // ---- reads, at QUORUM (LOCAL_QUORUM)

    /** The conversation at the highest version written; empty when none was. */
    public CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> conversations.find(conversationId));
    }

    /** The conversations whose highest written version lists the user, ordered by conversation id. */
    public CompletionStage<List<Conversation>> conversationsOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> conversations.of(userId));
    }

    /**
     * A page of the conversation's log up to its head, with the semantics of
     * {@link dev.parley.core.message.MessageStore#history} (see {@link HistoryQuery}); oldest first.
     * A page by timestamp fails with {@code UNAVAILABLE} (retry) when it meets a seq below the head
     * whose row is not written yet.
     */
    public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(query, "query");
        requirePositive(query.limit());
        return run(() -> conversationLog.history(conversationId, query));
    }

    /** The message at {@code seq}; empty when it is not (yet) written. */
    public CompletionStage<Optional<StoredMessage>> message(String conversationId, long seq) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> conversationLog.message(conversationId, seq));
    }

    /** The conversation's head: the highest seq written, 0 when none. */
    public CompletionStage<Long> lastSeq(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> conversationLog.lastSeq(conversationId));
    }

    /**
     * Up to {@code limit} entries of the user's inbox with cursor greater than {@code after}, in
     * order, and only a gap-free prefix: the first entry must have cursor {@code after + 1} and
     * each next one the previous cursor + 1; the answer stops before the first that does not, so a
     * reader never skips an entry that is still being written. Entries deleted by
     * {@link #pruneInboxes} are not a gap: when {@code after} is below the pruned range, the
     * answer starts at the first cursor pruning kept.
     */
    public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        Objects.requireNonNull(userId, "userId");
        requirePositive(limit);
        return run(() -> inboxes.read(userId, after, limit));
    }

    /** The user's inbox head: the highest cursor written, 0 when none. It may be above a gap. */
    public CompletionStage<Long> inboxHead(String userId) {
        Objects.requireNonNull(userId, "userId");
        return run(() -> inboxes.head(userId));
    }

    /** The device's acknowledged inbox cursor, 0 when never saved (or the device was deleted). */
    public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return run(() -> inboxes.cursor(userId, deviceId));
    }

    /**
     * The watermark rows present for the conversation, keyed by user id (users without a row are
     * absent; a cell never written reads 0).
     */
    public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return run(() -> receipts.of(conversationId));
    }

    /**
     * Deletes inbox entries older than {@code cutoff}; completes with how many.
     *
     * @implNote Scans every inbox partition (a full token-range scan of the table's partition keys)
     *     and deletes, per inbox, the leading gap-free run of entries older than the cutoff with one
     *     range delete at the current time, plus the inbox's static {@code pruned_below}. Cost: one
     *     read per inbox plus the old entries; run it rarely (daily). Concurrent calls run one after
     *     the other. Inbox heads are kept. A replayed write of a pruned entry stays deleted.
     */
    public synchronized CompletionStage<Long> pruneInboxes(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        CompletableFuture<Long> run = lastPrune.handle((r, e) -> null)
                .thenCompose(ignored -> run(() -> inboxes.prune(cutoff)).toCompletableFuture());
        lastPrune = run;
        return run;
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
        completer.shutdown();
        try {
            completer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsSession) {
            session.close();
        }
        log.info("Cassandra store closed (keyspace {})", config.keyspace());
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

    /** A write with nothing to write: completed, but refused like any request once the store is closed. */
    private CompletionStage<Void> done() {
        return run(() -> CompletableFuture.completedFuture(null));
    }

    private static void require(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(format, args));
        }
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
