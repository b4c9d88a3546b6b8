package dev.parley.routing.kafka;

import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.protocol.ServerFrame;
import dev.parley.routing.kafka.NotificationCodec.Notification;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes inbox notifications and ephemeral frames between chat servers through Kafka: one topic
 * per server, written by every server, read by its owner. The topology and its guarantees are in
 * {@link dev.parley.routing.kafka the package documentation}.
 *
 * <p>Threading: {@link #inboxAppended} and {@link #ephemeral} may be called from any thread,
 * event loops included, and never block: the local handler is called on the caller's thread (it
 * only hands work to the connections' executors), presence is asked asynchronously, and records
 * are produced from a dedicated sender thread, because {@code KafkaProducer.send} blocks up to
 * {@code max.block.ms} (1 s) while the cluster's metadata is unknown. The handler is called on
 * the caller's thread for local users and on the consumer thread for records from the topic.
 *
 * <p>Failure: notifications are hints (the store's inbox is the truth), so nothing here throws to
 * the caller. A notification that cannot be routed (presence or Kafka unavailable, sender queue
 * full) is logged and counted ({@code parley.routing.kafka.failures}); its entry reaches the
 * device with the next notification or sync.
 *
 * <p>Over 400 lines: the producer's and the consumer's halves share the topic layout, the
 * record format and the failure accounting above, and read best side by side.
 */
public final class KafkaMessageRouter implements MessageRouter {
    private static final Logger log = LoggerFactory.getLogger(KafkaMessageRouter.class);

    /** Records waiting for the sender thread; beyond it notifications are dropped (and counted). */
    static final int SEND_QUEUE = 100_000;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(15);
    /** A notification that waited this long for the sender thread is dropped (as delivery.timeout.ms does). */
    private static final Duration MAX_QUEUED = Duration.ofSeconds(30);

    private final KafkaRouterConfig config;
    private final PresenceRegistry presence;
    private final Clock clock;
    private final NotificationCodec codec = new NotificationCodec();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final Counters counters;
    private volatile Handler handler;
    private volatile boolean closed;
    // Set by start() before the volatile handler, read after it.
    private KafkaProducer<String, byte[]> producer;
    private ThreadPoolExecutor sender;
    private Thread consumerThread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch closing = new CountDownLatch(1);

    /** A router with a private meter registry and the system clock. */
    public KafkaMessageRouter(KafkaRouterConfig config, PresenceRegistry presence) {
        this(config, presence, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /**
     * A router for server {@code config.serverId()}; nothing connects before {@link #start}.
     *
     * @param presence tells which servers hold a user's connections ({@link PresenceRegistry#locate})
     * @param clock    judges the age of ephemeral records against their Kafka timestamps
     */
    public KafkaMessageRouter(KafkaRouterConfig config, PresenceRegistry presence, MeterRegistry meters, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.counters = new Counters(Objects.requireNonNull(meters, "meters"));
    }

    /**
     * Starts the producer and, on its own thread, the consumer of this server's topic (creating
     * the topic first if absent). Returns at once; {@link #ready()} tells when consuming started.
     * While Kafka is unreachable the consumer thread keeps retrying.
     */
    @Override
    public void start(Handler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("router of server " + config.serverId() + " was already started");
        }
        this.producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer());
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(SEND_QUEUE),
                r -> daemon(r, "parley-kafka-sender-" + config.serverId()),
                (r, pool) -> counters.failed(pool.isShutdown() ? "closed" : "queue_full"));
        this.consumerThread = daemon(this::consume, "parley-kafka-consumer-" + config.serverId());
        // Written last: the volatile write publishes the fields above to threads that read it.
        this.handler = handler;
        consumerThread.start();
    }

    /**
     * Completes once this server's topic exists and its partition is assigned to this router's
     * consumer; never fails (the consumer retries until {@link #close}).
     */
    public CompletionStage<Void> ready() {
        return ready.copy();
    }

    @Override
    public void inboxAppended(InboxEntry entry) {
        Objects.requireNonNull(entry, "entry");
        Handler h = requireStarted();
        deliverLocally(() -> h.onInboxEntry(entry));
        String user = entry.userId();
        routeTo(List.of(user), (server, users) -> send(server, user, codec.encodeInbox(entry), "inbox"));
    }

    @Override
    public void ephemeral(Collection<String> userIds, ServerFrame frame) {
        Objects.requireNonNull(userIds, "userIds");
        Objects.requireNonNull(frame, "frame");
        Handler h = requireStarted();
        List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
        if (users.isEmpty()) {
            return;
        }
        for (String u : users) {
            deliverLocally(() -> h.onEphemeral(u, frame));
        }
        routeTo(users, (server, onServer) -> send(server, null, codec.encodeEphemeral(onServer, frame), "ephemeral"));
    }

    @Override
    public void deviceRevoked(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        Handler h = requireStarted();
        deliverLocally(() -> h.onDeviceRevoked(userId, deviceId));
        byte[] value = codec.encode(new Notification.Revoked(userId, deviceId));
        routeTo(List.of(userId), (server, users) -> send(server, userId, value, "revoked"));
    }

    /**
     * Stops consuming (committing what was handed to the handler), sends what is queued within a
     * few seconds, and closes the clients. Records produced for this server meanwhile wait in its
     * topic until a router with the same server id starts again.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        if (handler == null) {
            if (producer != null) { // start() failed half-way
                producer.close(Duration.ZERO);
            }
            return;
        }
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup(); // poll() throws WakeupException; the loop commits and closes
        }
        join(consumerThread);
        sender.shutdown();
        try {
            if (!sender.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                List<Runnable> dropped = sender.shutdownNow();
                counters.failed("closing", dropped.size());
                log.warn("router closed with {} notifications not sent", dropped.size());
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }

    // ---- producing ---------------------------------------------------------------------------

    private Handler requireStarted() {
        Handler h = handler;
        if (h == null) {
            throw new IllegalStateException("router of server " + config.serverId() + " is not started");
        }
        return h;
    }

    /** The user may be connected here: cheap when not (the handler finds no session). */
    private void deliverLocally(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            counters.failed("handler");
            log.warn("local notification handler failed", e);
        }
    }

    private interface Route {
        void to(String server, List<String> users);
    }

    /** Asks presence where the users are and calls {@code route} once per other server holding one. */
    private void routeTo(List<String> users, Route route) {
        CompletionStage<Map<String, Set<String>>> located;
        try {
            located = presence.locate(users);
        } catch (RuntimeException e) {
            located = CompletableFuture.failedFuture(e);
        }
        located.whenComplete((where, error) -> {
            if (error != null) {
                counters.failed("presence");
                log.debug("cannot locate {} users; their other servers get no notification", users.size(), error);
                return;
            }
            Map<String, List<String>> byServer = new HashMap<>();
            for (String u : users) {
                for (String server : where.getOrDefault(u, Set.of())) {
                    if (!server.equals(config.serverId())) {
                        byServer.computeIfAbsent(server, s -> new ArrayList<>()).add(u);
                    }
                }
            }
            byServer.forEach((server, onServer) -> {
                try {
                    route.to(server, onServer);
                } catch (RuntimeException e) {
                    counters.failed("encode");
                    log.warn("cannot encode a notification for server {}", server, e);
                }
            });
        });
    }

    private void send(String server, String key, byte[] value, String kind) {
        if (closed) {
            counters.failed("closed");
            return;
        }
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(config.topicOf(server), key, value);
        long queued = System.nanoTime();
        sender.execute(() -> {
            if (System.nanoTime() - queued > MAX_QUEUED.toNanos()) {
                counters.failed("expired"); // Kafka was unreachable for a while; the device has synced since
                return;
            }
            try {
                producer.send(record, (meta, error) -> {
                    if (error != null) {
                        counters.failed("kafka");
                        log.debug("notification to server {} failed", server, error);
                    } else {
                        counters.sent(kind);
                    }
                });
            } catch (RuntimeException e) { // metadata not available within max.block.ms, producer closed, …
                counters.failed("kafka");
                log.debug("notification to server {} not sent", server, e);
            }
        });
    }

    private Properties producerProps() {
        Properties p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.topicPrefix() + "router-producer." + config.serverId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        // lz4-java (a Kafka dependency) falls back to pure Java where its bundled JNI library cannot load; JSON batches shrink well.
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // send() blocks at most this long for metadata or buffer space; it runs on the sender thread.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        // A notification older than this is not worth delivering: the device will have synced.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        return p;
    }

    // ---- consuming ---------------------------------------------------------------------------

    private void consume() {
        boolean warned = false;
        while (!closed) {
            try {
                ensureTopic();
                runConsumer();
                warned = false;
            } catch (WakeupException | InterruptedException e) {
                break;
            } catch (FencedInstanceIdException e) {
                // Another process joined with this server id (static membership): it owns the
                // topic now. Fighting back would make both flap; stop and say so.
                counters.failed("fenced");
                log.error("another chat server started with server id {} and took over {}; this one stops consuming "
                        + "(server ids must be unique)", config.serverId(), config.topic());
                break;
            } catch (Exception e) {
                if (closed) {
                    break;
                }
                counters.failed("consumer");
                if (!warned) {
                    log.warn("consumer of {} failed, retrying every {} s (logged once until it works): {}",
                            config.topic(), RETRY.toSeconds(), e.toString());
                    warned = true;
                }
                try {
                    if (closing.await(RETRY.toMillis(), TimeUnit.MILLISECONDS)) {
                        break;
                    }
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
    }

    /** Creates this server's topic if absent (1 partition: one server reads it, in order). */
    private void ensureTopic() throws InterruptedException, ExecutionException, TimeoutException {
        Properties p = common();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, config.topicPrefix() + "router-admin." + config.serverId());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_TIMEOUT.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        Admin admin = Admin.create(p);
        try {
            NewTopic topic = new NewTopic(config.topic(), 1, config.replicationFactor())
                    .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas())));
            KafkaFuture<Void> created = admin.createTopics(List.of(topic)).all();
            long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
            while (!closed) {
                try {
                    created.get(100, TimeUnit.MILLISECONDS); // short waits: close() must not wait for a dead cluster
                    log.info("created topic {} (replication {}, min.insync.replicas {})", config.topic(),
                            config.replicationFactor(), config.minInsyncReplicas());
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        return;
                    }
                    throw e;
                } catch (TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            throw new InterruptedException("closed");
        } finally {
            admin.close(closed ? Duration.ZERO : CLOSE_TIMEOUT);
        }
    }

    private void runConsumer() {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer = c;
        try {
            if (closed) {
                return;
            }
            c.subscribe(List.of(config.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty() && ready.complete(null)) {
                        log.info("consuming {} as group {}", config.topic(), config.groupId());
                    }
                }
            });
            while (!closed) {
                ConsumerRecords<String, byte[]> records = c.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    handle(r);
                }
                // Only now: every record of the batch was handed to the handler.
                c.commitAsync((offsets, error) -> {
                    if (error != null) {
                        counters.failed("commit");
                        log.debug("offset commit failed; the next one covers it", error);
                    }
                });
            }
        } finally {
            try {
                c.commitSync(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                log.debug("final offset commit failed", e);
            }
            try {
                c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            } catch (RuntimeException e) {
                log.debug("consumer close failed", e);
            }
            consumer = null;
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        Notification n;
        try {
            n = codec.decode(r.value());
        } catch (IllegalArgumentException e) {
            counters.failed("decode");
            log.warn("skipping an unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        Handler h = handler;
        try {
            if (n instanceof Notification.Inbox i) {
                counters.received("inbox");
                h.onInboxEntry(i.entry());
            } else if (n instanceof Notification.Ephemeral e) {
                long age = clock.millis() - r.timestamp();
                if (age > config.ephemeralMaxAge().toMillis()) {
                    counters.stale();
                    return;
                }
                counters.received("ephemeral");
                for (String u : e.users()) {
                    h.onEphemeral(u, e.frame());
                }
            } else if (n instanceof Notification.Revoked rv) {
                counters.received("revoked");
                h.onDeviceRevoked(rv.user(), rv.device());
            }
        } catch (RuntimeException e) {
            counters.failed("handler");
            log.warn("notification handler failed on {}-{}@{}", r.topic(), r.partition(), r.offset(), e);
        }
    }

    private Properties consumerProps() {
        Properties p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.topicPrefix() + "router-consumer." + config.serverId());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        // Static membership: a server restarted with the same id (even after kill -9) takes its
        // partition back at once instead of waiting for the old member's session to time out.
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.serverId());
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000);
        return p;
    }

    private Properties common() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return p;
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(CLOSE_TIMEOUT.toMillis() * 3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The router's meters: {@code parley.routing.kafka.*}. */
    private static final class Counters {
        private final MeterRegistry meters;
        private final Counter stale;

        Counters(MeterRegistry meters) {
            this.meters = meters;
            this.stale = meters.counter("parley.routing.kafka.dropped", "reason", "stale");
        }

        void sent(String kind) {
            meters.counter("parley.routing.kafka.sent", "kind", kind).increment();
        }

        void received(String kind) {
            meters.counter("parley.routing.kafka.received", "kind", kind).increment();
        }

        void failed(String reason) {
            failed(reason, 1);
        }

        void failed(String reason, long n) {
            meters.counter("parley.routing.kafka.failures", "reason", reason).increment(n);
        }

        void stale() {
            stale.increment();
        }
    }
}
