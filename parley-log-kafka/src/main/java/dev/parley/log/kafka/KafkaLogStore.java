package dev.parley.log.kafka;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageIds;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.log.kafka.LogRecords.Command;
import dev.parley.log.kafka.LogRecords.Outcome;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.store.cassandra.CassandraStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scale-out message store: Kafka is the ordered log, Cassandra the queryable projection of it.
 *
 * <p>A write (send, conversation create or update, watermark) is produced to the commands topic,
 * keyed by conversation, with {@code acks=all}. The single writer of that partition (a Kafka
 * Streams task on whichever chat server owns it) decides the outcome; the projection writer applies
 * it to Cassandra and answers this server on its reply topic; the call completes with that answer.
 * So a completed send is in Kafka with its sequence number and readable from Cassandra. Reads go
 * to Cassandra directly. Every chat server runs one Streams instance and one projection writer:
 * Kafka's group assignment spreads the partitions over the servers and moves them when one goes.
 *
 * <p>It serves both the message and the conversation port: both kinds of write are commands of
 * the same per-conversation log, decided by the same single writer, which is what appends a
 * message under the membership it was sent in.
 *
 * <p>Failures complete the stage with {@code UNAVAILABLE} (retryable): Kafka unreachable, or no
 * answer within the request timeout (a dependency is down, or partitions are moving). A send that
 * failed so may still have been stored; its retry with the same client message id is answered with
 * the first message.
 *
 * <p>Threading: every method returns at once. Commands are produced from one sender thread,
 * because {@code KafkaProducer.send} may block while metadata is unknown; stages complete on the
 * reply consumer's thread or the Cassandra store's completion thread.
 *
 * <p>Over 400 lines: every port method is a request to the log and a wait for its reply, and
 * the request bookkeeping they share (ids, pending replies, timeouts) sits with them.
 */
public final class KafkaLogStore implements ConversationStore, MessageStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaLogStore.class);
    /** Commands waiting for the sender thread; beyond it writes fail at once as unavailable. */
    static final int SEND_QUEUE = 50_000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaLogConfig config;
    private final LogTopics topics;
    private final CassandraStore projection;
    private final Clock clock;
    private final LogCodec codec = new LogCodec();
    private final MessageIds messageIds = new MessageIds(); // used on the sender thread only
    private final String runId = Long.toString(System.nanoTime() ^ Double.doubleToLongBits(Math.random()), 36);
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final KafkaProducer<String, byte[]> producer;
    private final ThreadPoolExecutor sender;
    private final KafkaConsumer<String, byte[]> replies;
    private final Thread replyThread;
    private final KafkaStreams streams;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Counter timeouts;
    private final Counter refused;
    private final Timer roundTrip;
    private volatile ProjectionWriter writer;

    /** A decision and the inbox entries it appended, all projected. */
    private record Answer(Outcome outcome, Map<String, InboxEntry> entries) {
    }

    /** A write waiting for its decision and for each of its inbox entries, in whatever order they come. */
    private static final class Pending {
        final CompletableFuture<Answer> future = new CompletableFuture<>();
        final long deadlineNanos;
        final long startNanos;
        private Outcome outcome;
        private final Map<String, InboxEntry> entries = new HashMap<>();

        Pending(long startNanos, long deadlineNanos) {
            this.startNanos = startNanos;
            this.deadlineNanos = deadlineNanos;
        }

        /** Takes one reply; true once the answer is complete. */
        synchronized boolean offer(Outcome o) {
            if (o instanceof Outcome.Entry e) {
                entries.put(e.entry().userId(), e.entry()); // a replayed projection may answer twice
            } else {
                outcome = o;
            }
            return outcome != null && entries.size() >= outcome.entries();
        }

        synchronized Answer answer() {
            return new Answer(outcome, Map.copyOf(entries));
        }
    }

    /**
     * Creates the log's topics if missing, starts this server's reply consumer and its Kafka
     * Streams instance. The projection writer starts with {@link #start(MessageRouter)}.
     *
     * @param projection where the log is projected to and read from; not closed by this store
     * @throws ParleyException UNAVAILABLE when Kafka cannot be reached
     */
    public KafkaLogStore(KafkaLogConfig config, CassandraStore projection, MeterRegistry meters, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.projection = Objects.requireNonNull(projection, "projection");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.topics = new LogTopics(config.topicPrefix(), config.serverId());
        this.timeouts = meters.counter("parley.log.timeouts");
        this.refused = meters.counter("parley.log.refused");
        meters.gaugeMapSize("parley.log.pending", List.of(), pending);
        this.roundTrip = Timer.builder("parley.log.round_trip").publishPercentiles(0.5, 0.99).register(meters);
        topics.ensure(config);
        this.producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer());
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(SEND_QUEUE),
                r -> daemon(r, "parley-log-sender"), new ThreadPoolExecutor.AbortPolicy());
        this.replies = new KafkaConsumer<>(replyProps(), new StringDeserializer(), new ByteArrayDeserializer());
        TopicPartition replyPartition = new TopicPartition(topics.replies(), 0);
        replies.assign(List.of(replyPartition));
        replies.seekToEnd(List.of(replyPartition));
        replies.position(replyPartition, Duration.ofSeconds(30)); // before any request: no reply can be missed
        this.replyThread = daemon(this::consumeReplies, "parley-log-replies");
        replyThread.start();
        this.streams = new KafkaStreams(LogTopology.build(topics), streamsProps());
        streams.setUncaughtExceptionHandler(e -> {
            log.warn("log stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                log.info("conversation log running: {} partitions of {} owned here", ownedPartitions(),
                        topics.commands());
            } else if (now == KafkaStreams.State.ERROR) {
                log.error("conversation log stopped with an error; writes fail until the server restarts");
            }
        });
        streams.start();
        log.info("Kafka log open: {} partitions, topics {}*, state in {}", config.partitions(),
                topics.prefix() + "log.", config.stateDir());
    }

    /** Starts the projection writer, which announces new inbox entries through {@code router}. */
    public void start(MessageRouter router) {
        ProjectionWriter w = new ProjectionWriter(config, topics, projection, router, codec);
        writer = w;
        w.start();
    }

    /** Whether the Streams instance is running (partitions assigned and restored). */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    private long ownedPartitions() {
        return streams.metadataForLocalThreads().stream()
                .flatMap(t -> t.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .filter(tp -> tp.topic().equals(topics.commands()))
                .count();
    }

    // ---- writes through the log ----------------------------------------------------------------

    @Override
    public CompletionStage<AppendResult> appendMessage(NewMessage message) {
        Objects.requireNonNull(message, "message");
        return ask(message.conversationId(), req -> new Command.Append(config.serverId(), req, clock.instant(),
                messageIds.next(clock.millis()), message)).thenApply(a -> {
                    if (a.outcome() instanceof Outcome.Stored s) {
                        return new AppendResult(s.message(), s.duplicate(), a.entries(), s.recipients());
                    }
                    throw unexpected(a.outcome());
                });
    }

    @Override
    public CompletionStage<ConversationWrite> createConversation(Conversation conversation, String actorId) {
        Objects.requireNonNull(conversation, "conversation");
        return ask(conversation.id(), req -> new Command.Create(config.serverId(), req, clock.instant(), conversation,
                actorId)).thenApply(KafkaLogStore::conversationWrite);
    }

    @Override
    public CompletionStage<ConversationWrite> updateConversation(Conversation updated,
                                                                 InboxEvent.MembershipChanged event,
                                                                 List<String> recipients) {
        Objects.requireNonNull(updated, "updated");
        return ask(updated.id(), req -> new Command.Update(config.serverId(), req, clock.instant(), updated, event,
                recipients)).thenApply(KafkaLogStore::conversationWrite);
    }

    @Override
    public CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                                     ReceiptKind kind, long upTo) {
        return mark(conversationId, userId, kind, upTo);
    }

    /** {@inheritDoc} The marks go through the log, one per conversation; the cursor is a plain write. */
    @Override
    public CompletionStage<List<InboxEntry>> acknowledge(String userId, String deviceId,
                                                        Map<String, Long> deliveredUpTo, long cursor) {
        List<CompletableFuture<Map<String, InboxEntry>>> marks = new ArrayList<>();
        deliveredUpTo.forEach((conv, upTo) -> marks.add(mark(conv, userId, ReceiptKind.DELIVERED, upTo)
                .toCompletableFuture()));
        return CompletableFuture.allOf(marks.toArray(CompletableFuture[]::new))
                .thenCompose(v -> projection.saveDeviceCursor(userId, deviceId, cursor))
                .thenApply(v -> marks.stream().flatMap(m -> m.join().values().stream()).toList());
    }

    /** {@inheritDoc} True: the projection writer announces every inbox entry once it is written. */
    @Override
    public boolean announcesEntries() {
        return true;
    }

    @Override
    public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        return projection.saveDeviceCursor(userId, deviceId, cursor);
    }

    private CompletionStage<Map<String, InboxEntry>> mark(String conversationId, String userId, ReceiptKind kind,
                                                          long upTo) {
        return ask(conversationId, req -> new Command.Mark(config.serverId(), req, clock.instant(), conversationId,
                userId, kind, upTo))
                .thenApply(a -> {
                    if (a.outcome() instanceof Outcome.Marked) {
                        return a.entries();
                    }
                    throw unexpected(a.outcome());
                });
    }

    private static ConversationWrite conversationWrite(Answer a) {
        if (a.outcome() instanceof Outcome.Changed c) {
            return new ConversationWrite(c.conversation(), c.applied(), a.entries());
        }
        throw unexpected(a.outcome());
    }

    private static ParleyException unexpected(Outcome o) {
        if (o instanceof Outcome.Rejected r) {
            return new ParleyException(r.code(), r.message());
        }
        return new ParleyException(ErrorCode.INTERNAL, "unexpected outcome " + o.getClass().getSimpleName());
    }

    /** Produces the command and completes with its answer, or fails as unavailable. */
    private CompletionStage<Answer> ask(String key, java.util.function.Function<String, Command> command) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE, "the server is stopping"));
        }
        if (pending.size() >= config.maxPendingWrites()) {
            refused.increment();
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE,
                    "the message log is behind (" + config.maxPendingWrites()
                            + " writes waiting on this server); retry"));
        }
        String req = runId + "." + Long.toString(requests.incrementAndGet(), 36);
        long now = System.nanoTime();
        Pending waiting = new Pending(now, now + config.requestTimeout().toNanos());
        pending.put(req, waiting);
        try {
            sender.execute(() -> {
                byte[] value = codec.encode(command.apply(req));
                try {
                    producer.send(new ProducerRecord<>(topics.commands(), key, value),
                            (meta, error) -> {
                                if (error != null) {
                                    fail(req, "Kafka did not take the write: " + error.getMessage(), error);
                                }
                            });
                } catch (RuntimeException e) {
                    fail(req, "Kafka is unreachable: " + e.getMessage(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            fail(req, "too many writes waiting for Kafka", e);
        }
        return waiting.future;
    }

    private void fail(String req, String why, Throwable cause) {
        Pending p = pending.remove(req);
        if (p != null) {
            p.future.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE, why + "; retry", cause));
        }
    }

    private void consumeReplies() {
        long nextSweep = System.nanoTime();
        while (!closed.get()) {
            try {
                for (ConsumerRecord<String, byte[]> r : replies.poll(Duration.ofMillis(100))) {
                    List<Outcome> outcomes;
                    try {
                        outcomes = codec.replies(r.value());
                    } catch (IllegalArgumentException e) {
                        log.warn("skipping an unreadable reply at offset {}: {}", r.offset(), e.getMessage());
                        continue;
                    }
                    for (Outcome o : outcomes) {
                        Pending p = pending.get(o.requestId());
                        if (p != null && p.offer(o) && pending.remove(o.requestId(), p)) {
                            roundTrip.record(System.nanoTime() - p.startNanos, TimeUnit.NANOSECONDS);
                            p.future.complete(p.answer());
                        }
                    }
                }
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                log.warn("reply consumer failed; retrying", e);
                sleepQuietly(500);
            }
            long now = System.nanoTime();
            if (now - nextSweep >= 0) {
                nextSweep = now + TimeUnit.MILLISECONDS.toNanos(200);
                pending.forEach((req, p) -> {
                    if (now - p.deadlineNanos > 0 && pending.remove(req, p)) {
                        timeouts.increment();
                        p.future.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE,
                                "the message log did not answer within " + config.requestTimeout().toMillis()
                                        + " ms; retry"));
                    }
                });
            }
        }
    }

    // ---- reads from the projection ---------------------------------------------------------------

    @Override
    public CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        return projection.findConversation(conversationId);
    }

    @Override
    public CompletionStage<List<Conversation>> conversationsOf(String userId) {
        return projection.conversationsOf(userId);
    }

    @Override
    public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query) {
        return projection.history(conversationId, query);
    }

    @Override
    public CompletionStage<Long> lastSeq(String conversationId) {
        return projection.lastSeq(conversationId);
    }

    @Override
    public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        return projection.readInbox(userId, after, limit);
    }

    @Override
    public CompletionStage<Long> inboxHead(String userId) {
        return projection.inboxHead(userId);
    }

    @Override
    public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        return projection.deviceCursor(userId, deviceId);
    }

    @Override
    public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        return projection.findConversation(conversationId).thenCombine(projection.watermarks(conversationId),
                (conv, rows) -> {
                    Map<String, Watermarks> out = new LinkedHashMap<>();
                    conv.ifPresent(c -> c.members().forEach(m -> out.put(m, rows.getOrDefault(m, Watermarks.NONE))));
                    return out;
                });
    }

    @Override
    public CompletionStage<Long> pruneInboxes(Instant cutoff) {
        return projection.pruneInboxes(cutoff);
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    /**
     * Stops the projection writer and the Streams instance (each commits what it finished), fails
     * the writes still waiting, and closes the clients. Does not close the projection.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ProjectionWriter w = writer;
        if (w != null) {
            w.close();
        }
        streams.close(CLOSE_TIMEOUT);
        sender.shutdown();
        try {
            sender.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
        replies.wakeup();
        try {
            replyThread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        replies.close(CLOSE_TIMEOUT);
        new HashMap<>(pending).forEach((req, p) -> fail(req, "the server is stopping", null));
    }

    // ---- client settings ---------------------------------------------------------------------

    private Properties common() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return p;
    }

    private Properties producerProps() {
        Properties p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, topics.prefix() + "log-commands." + config.serverId());
        // acks=all: a command is on every in-sync replica before it counts (min.insync.replicas in production).
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(config.requestTimeout().toMillis(), 2_000));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(config.requestTimeout().toMillis() - 1, 1_000));
        return p;
    }

    private Properties replyProps() {
        Properties p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, topics.prefix() + "log-replies." + config.serverId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return p;
    }

    private Properties streamsProps() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, topics.applicationId());
        p.put(StreamsConfig.CLIENT_ID_CONFIG, topics.prefix() + "log-streams." + config.serverId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        // The stream thread polls this long when idle; a commit waits for the poll, so keep it short.
        p.put(StreamsConfig.POLL_MS_CONFIG, Math.max(1, config.commitInterval().toMillis()));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().resolve(config.serverId()).toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                Integer.toString(config.minInsyncReplicas()));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 1);
        // A paused owner's open transaction blocks read_committed readers of its partitions until
        // it times out: keep that as short as the time it takes to notice the owner is gone.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) Math.max(config.sessionTimeout().toMillis(), config.commitInterval().toMillis() * 10));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                (int) config.sessionTimeout().toMillis());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(100, config.sessionTimeout().toMillis() / 5));
        return p;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
