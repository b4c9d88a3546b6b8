package dev.parley.store.rocksdb;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.contact.ContactStore;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.message.AppendResult;
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
import java.nio.file.Path;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: accounts, conversations, the message log, inboxes, device cursors and
 * receipt watermarks in one RocksDB instance under a directory. See the package documentation
 * for the key schema.
 *
 * <p>One class serves all four store ports because they share the committer's transactions: a
 * conversation change and its membership entries, and a message and its inbox entries, land in
 * one batch, and a message is appended under the membership the same batch sees.
 *
 * <p><b>Writes</b> go through a single committer thread (group commit): each write method
 * enqueues a request into a bounded queue and returns at once; the committer takes up to
 * {@link Options#batchMax()} requests, applies them in order (each sees the effects of the
 * earlier ones; an invalid one fails alone and writes nothing), writes them as one atomic batch
 * (synced per {@link Options#fsync()}) and only then completes their stages, in order. When the
 * queue is full a write fails at once with {@code UNAVAILABLE} ("store overloaded").
 *
 * <p><b>Reads</b> run on a small read pool ({@link Options#readThreads()}), each on one RocksDB
 * snapshot, and see every write whose stage has completed.
 *
 * <p><b>Threading.</b> No method blocks the caller. Write stages complete on the store's single
 * completion thread and read stages on a read thread: dependent stages attached with the
 * non-async methods ({@code thenApply}, ...) run there, so they must not block; use the
 * {@code *Async} variants for slow continuations. Null arguments and a non-positive
 * {@code limit} are programming errors and throw at once; every other failure completes the
 * stage exceptionally with a {@link ParleyException} ({@code UNAVAILABLE} with the cause for
 * RocksDB errors, an overloaded queue or a closed store).
 *
 * <p>Over 400 lines: it is the façade of four ports, each method one line to {@link Writes}
 * through the committer or to {@link Queries} on the read pool, plus the options record; the work
 * is in those classes.
 */
public final class RocksDbStore implements AccountStore, ContactStore, ConversationStore, MessageStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RocksDbStore.class);
    private static final int PRUNE_PAGE_INBOXES = 1_000;
    private static final long CLOSE_WAIT_SECONDS = 30;

    /** When a group commit is fsynced. */
    public enum FsyncPolicy {
        /**
         * Every group commit is synced to disk before any of its requests completes: an
         * acknowledged write survives a process crash and a power loss. The default.
         */
        ALWAYS,
        /**
         * The write-ahead log is written (into the OS page cache) but not synced: an acknowledged
         * write survives a process crash ({@code kill -9}) but not a power loss or kernel crash.
         */
        NEVER
    }

    /**
     * Tuning of the store. Every value is validated when the record is built.
     *
     * @param fsync           when group commits are synced; default {@link FsyncPolicy#ALWAYS}
     * @param batchMax        most write requests per group commit (1 or more); default 512
     * @param queueCapacity   most write requests waiting for the committer, and most reads waiting
     *                        for a read thread, before new ones fail with {@code UNAVAILABLE}
     *                        (1 or more); default 65,536
     * @param readThreads     threads serving reads (1 or more); default 2
     * @param blockCacheBytes RocksDB block cache shared by all column families (at least 1 MiB);
     *                        default 64 MiB
     * @param commitIntervalMicros while writes keep coming, at most one group commit per this
     *                        many microseconds: the committer waits out the rest of the interval
     *                        since its last commit, gathering what arrives meanwhile into one
     *                        write and one sync. A committer that was idle longer commits at once.
     *                        0 commits as soon as a request is there. Default 1,000 (see
     *                        docs/BENCHMARKS.md: at 5,000 msg/s it cut the server's CPU per
     *                        message by a third for 1.3 ms of median latency)
     */
    public record Options(FsyncPolicy fsync, int batchMax, int queueCapacity, int readThreads, long blockCacheBytes,
            int commitIntervalMicros) {
        /** The defaults listed above. */
        public static final Options DEFAULTS = new Options(FsyncPolicy.ALWAYS, 512, 65_536, 2, 64L << 20, 1_000);

        public Options {
            Objects.requireNonNull(fsync, "fsync");
            require(batchMax >= 1, "batchMax must be at least 1, was " + batchMax);
            require(queueCapacity >= 1, "queueCapacity must be at least 1, was " + queueCapacity);
            require(readThreads >= 1, "readThreads must be at least 1, was " + readThreads);
            require(blockCacheBytes >= 1L << 20, "blockCacheBytes must be at least 1 MiB, was " + blockCacheBytes);
            require(commitIntervalMicros >= 0 && commitIntervalMicros <= 1_000_000,
                    "commitIntervalMicros must be 0 to 1,000,000, was " + commitIntervalMicros);
        }

        public Options withFsync(FsyncPolicy value) {
            return new Options(value, batchMax, queueCapacity, readThreads, blockCacheBytes, commitIntervalMicros);
        }

        public Options withBatchMax(int value) {
            return new Options(fsync, value, queueCapacity, readThreads, blockCacheBytes, commitIntervalMicros);
        }

        public Options withQueueCapacity(int value) {
            return new Options(fsync, batchMax, value, readThreads, blockCacheBytes, commitIntervalMicros);
        }

        public Options withReadThreads(int value) {
            return new Options(fsync, batchMax, queueCapacity, value, blockCacheBytes, commitIntervalMicros);
        }

        public Options withBlockCacheBytes(long value) {
            return new Options(fsync, batchMax, queueCapacity, readThreads, value, commitIntervalMicros);
        }

        public Options withCommitIntervalMicros(int value) {
            return new Options(fsync, batchMax, queueCapacity, readThreads, blockCacheBytes, value);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    private final Path dir;
    private final Storage storage;
    private final Writes writes;
    private final Queries queries;
    private final GroupCommitter committer;
    private final ThreadPoolExecutor readPool;
    private final ExecutorService completer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private CompletableFuture<Long> lastPrune = CompletableFuture.completedFuture(0L);

    /**
     * Opens (creating if needed) the store under {@code dir} and starts its threads.
     *
     * @param clock the source of message and inbox timestamps
     * @throws ParleyException {@code UNAVAILABLE} when the directory cannot be created or opened
     *                         (for example, another process holds its lock)
     */
    public RocksDbStore(Path dir, Options options, Clock clock) {
        this.dir = Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(clock, "clock");
        this.storage = new Storage(dir, options);
        this.writes = new Writes(clock);
        this.queries = new Queries(storage);
        this.completer = Executors.newSingleThreadExecutor(threads("parley-rocksdb-complete"));
        this.readPool = new ThreadPoolExecutor(options.readThreads(), options.readThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(options.queueCapacity()), threads("parley-rocksdb-read"));
        this.committer = new GroupCommitter(storage, options, completer);
        log.info("RocksDB store open at {} (fsync {}, batch max {}, queue {}, read threads {})", dir,
                options.fsync(), options.batchMax(), options.queueCapacity(), options.readThreads());
    }

    /** Opens the store under {@code dir} with {@link Options#DEFAULTS} and the UTC system clock. */
    public RocksDbStore(Path dir) {
        this(dir, Options.DEFAULTS, Clock.systemUTC());
    }

    // ---- AccountStore

    @Override
    public CompletionStage<Boolean> createUser(User user) {
        Objects.requireNonNull(user, "user");
        return committer.submit("createUser", txn -> writes.createUser(txn, user));
    }

    @Override
    public CompletionStage<Optional<User>> findUser(String userId) {
        Objects.requireNonNull(userId, "userId");
        return read(() -> queries.findUser(userId));
    }

    /** {@inheritDoc} Fails with {@code USER_NOT_FOUND} when no user has that id. */
    @Override
    public CompletionStage<Void> updateUser(User user) {
        Objects.requireNonNull(user, "user");
        return committer.submit("updateUser", txn -> writes.updateUser(txn, user));
    }

    /** {@inheritDoc} Replacing a device with a new token hash removes the old hash from the index. */
    @Override
    public CompletionStage<Void> putDevice(Device device) {
        Objects.requireNonNull(device, "device");
        return committer.submit("putDevice", txn -> writes.putDevice(txn, device));
    }

    /** {@inheritDoc} Exact: the committer serialises additions, so the count and the write are one step. */
    @Override
    public CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
        Objects.requireNonNull(device, "device");
        return committer.submit("addDevice", txn -> writes.addDevice(txn, device, maxDevices));
    }

    @Override
    public CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        return read(() -> queries.findDeviceByTokenHash(tokenHash));
    }

    @Override
    public CompletionStage<List<Device>> devicesOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return read(() -> queries.devicesOf(userId));
    }

    /** {@inheritDoc} The device's inbox cursor is deleted with it. */
    @Override
    public CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return committer.submit("deleteDevice", txn -> writes.deleteDevice(txn, userId, deviceId));
    }

    // ---- ContactStore

    @Override
    public CompletionStage<Boolean> addContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return committer.submit("addContact", txn -> writes.addContact(txn, ownerId, contactId));
    }

    @Override
    public CompletionStage<Boolean> removeContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return committer.submit("removeContact", txn -> writes.removeContact(txn, ownerId, contactId));
    }

    @Override
    public CompletionStage<List<String>> contactsOf(String ownerId) {
        Objects.requireNonNull(ownerId, "ownerId");
        return read(() -> queries.contactsOf(ownerId));
    }

    @Override
    public CompletionStage<Boolean> hasContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return read(() -> queries.hasContact(ownerId, contactId));
    }

    @Override
    public CompletionStage<GroupAddPolicy> groupAddPolicy(String userId) {
        Objects.requireNonNull(userId, "userId");
        return read(() -> queries.groupAddPolicy(userId));
    }

    @Override
    public CompletionStage<Void> setGroupAddPolicy(String userId, GroupAddPolicy policy) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(policy, "policy");
        return committer.submit("setGroupAddPolicy", txn -> writes.setGroupAddPolicy(txn, userId, policy));
    }

    // ---- MessageStore

    @Override
    public CompletionStage<ConversationWrite> createConversation(Conversation conversation, String actorId) {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(actorId, "actorId");
        return committer.submit("createConversation", txn -> writes.createConversation(txn, conversation, actorId));
    }

    @Override
    public CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return read(() -> queries.findConversation(conversationId));
    }

    @Override
    public CompletionStage<List<Conversation>> conversationsOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return read(() -> queries.conversationsOf(userId));
    }

    /** {@inheritDoc} Fails with {@code CONVERSATION_NOT_FOUND} when the conversation does not exist. */
    @Override
    public CompletionStage<ConversationWrite> updateConversation(Conversation updated, InboxEvent.MembershipChanged event,
                                                       List<String> notify) {
        Objects.requireNonNull(updated, "updated");
        Objects.requireNonNull(event, "event");
        List<String> recipients = List.copyOf(notify);
        return committer.submit("updateConversation",
                txn -> writes.updateConversation(txn, updated, event, recipients));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote The idempotency key is (sender, sender device, conversation, client message id) and is kept as
     *     long as the message. A retry is recognised before membership is checked, so a sender
     *     removed after the first attempt still gets the first message's acknowledgement.
     */
    @Override
    public CompletionStage<AppendResult> appendMessage(NewMessage message) {
        Objects.requireNonNull(message, "message");
        return committer.submit("appendMessage", txn -> writes.appendMessage(txn, message));
    }

    @Override
    public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(query, "query");
        requirePositive(query.limit());
        return read(() -> queries.history(conversationId, query));
    }

    @Override
    public CompletionStage<Long> lastSeq(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return read(() -> queries.lastSeq(conversationId));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote Entries removed by {@link #pruneInboxes} are simply absent: an inbox always holds a
     *     contiguous run of cursors ending at its head, so a read after a pruned cursor starts at the
     *     oldest remaining entry.
     */
    @Override
    public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        Objects.requireNonNull(userId, "userId");
        requirePositive(limit);
        return read(() -> queries.readInbox(userId, after, limit));
    }

    @Override
    public CompletionStage<Long> inboxHead(String userId) {
        Objects.requireNonNull(userId, "userId");
        return read(() -> queries.inboxHead(userId));
    }

    @Override
    public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return read(() -> queries.deviceCursor(userId, deviceId));
    }

    @Override
    public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return committer.submit("saveDeviceCursor", txn -> writes.saveDeviceCursor(txn, userId, deviceId, cursor));
    }

    /**
     * {@inheritDoc} When the conversation does not exist or the user is not (or no longer) a member,
     * completes with an empty map and writes nothing, so a removed member acknowledging old inbox
     * entries is not an error.
     *
     * @implNote Only current members receive receipt entries. When more than 10,000 messages are
     *     newly covered, the senders are not looked up: every other member gets the entry.
     */
    @Override
    public CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                                     ReceiptKind kind, long upTo) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(kind, "kind");
        return committer.submit("advanceWatermark",
                txn -> writes.advanceWatermark(txn, conversationId, userId, kind, upTo));
    }

    /** {@inheritDoc} Here one atomic write: the watermarks and the cursor rise together or not at all. */
    @Override
    public CompletionStage<List<InboxEntry>> acknowledge(String userId, String deviceId,
                                                         Map<String, Long> deliveredUpTo, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        Map<String, Long> upTo = Map.copyOf(deliveredUpTo);
        return committer.submit("acknowledge", txn -> writes.acknowledge(txn, userId, deviceId, upTo, cursor));
    }

    /** {@inheritDoc} Empty when the conversation does not exist. */
    @Override
    public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return read(() -> queries.watermarks(conversationId));
    }

    /**
     * {@inheritDoc}
     *
     * @implNote Deletes, per inbox, the leading run of entries older than the cutoff (an old entry
     *     behind a newer one waits for a later run). Inboxes are scanned on a read thread a page at
     *     a time and each page is deleted by the committer with range deletes, so writers are never
     *     held up for long. Concurrent calls run one after the other. Inbox heads are kept: cursors
     *     continue after a fully pruned inbox.
     */
    @Override
    public synchronized CompletionStage<Long> pruneInboxes(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        CompletableFuture<Long> run = lastPrune.handle((r, e) -> null)
                .thenCompose(ignored -> prunePage(cutoff, null, 0L));
        lastPrune = run;
        return run;
    }

    private CompletableFuture<Long> prunePage(Instant cutoff, byte[] startKey, long deletedSoFar) {
        return read(() -> queries.pruneScan(cutoff, startKey, PRUNE_PAGE_INBOXES)).thenCompose(page -> {
            CompletableFuture<Long> deleted = page.ranges().isEmpty()
                    ? CompletableFuture.completedFuture(0L)
                    : committer.submit("pruneInboxes", txn -> writes.prune(txn, page.ranges()));
            return deleted.thenCompose(n -> page.resumeKey() == null
                    ? CompletableFuture.completedFuture(deletedSoFar + n)
                    : prunePage(cutoff, page.resumeKey(), deletedSoFar + n));
        });
    }

    // ---- lifecycle

    /**
     * Stops accepting requests, commits the writes already queued (their stages complete
     * normally), waits for running reads, and closes RocksDB. Requests made afterwards fail with
     * {@code UNAVAILABLE}. Idempotent; blocks the caller until done.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean drained = true;
        try {
            committer.close();
            readPool.shutdown();
            drained = readPool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            completer.shutdown();
            completer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (drained) {
            storage.close();
            log.info("RocksDB store at {} closed", dir);
        } else {
            // Closing RocksDB under a running read would crash the JVM; leak the handles instead.
            log.error("RocksDB store at {} not closed: reads still running after {} s", dir, CLOSE_WAIT_SECONDS);
        }
    }

    private <T> CompletableFuture<T> read(Supplier<T> body) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE, "store closed"));
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            readPool.execute(() -> {
                try {
                    f.complete(body.get());
                } catch (ParleyException e) {
                    log.error("store read failed", e);
                    f.completeExceptionally(e);
                } catch (RuntimeException e) {
                    log.error("store read failed unexpectedly", e);
                    f.completeExceptionally(new ParleyException(ErrorCode.INTERNAL, "store read failed", e));
                }
            });
        } catch (RejectedExecutionException e) {
            String why = closed.get() ? "store closed" : "store overloaded";
            f.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE, why));
        }
        return f;
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
