package dev.parley.log.kafka;

import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.StoredMessage;
import dev.parley.log.kafka.LogRecords.NumberedEntry;
import dev.parley.log.kafka.LogRecords.Outcome;
import dev.parley.protocol.ErrorCode;
import dev.parley.store.cassandra.CassandraStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the log's committed decisions to Cassandra, then answers the servers that asked and
 * announces new inbox entries. One per chat server, in one consumer group over the outcomes and
 * inbox entries topics (read_committed: only what the single writers committed).
 *
 * <p>A poll's records are written together (one batch per conversation and per inbox), and the
 * offsets are committed only after every write of the batch completed; a failed write rewinds to
 * the batch's first offsets and tries again. So the projection is at-least-once, and that is
 * enough: every write is a plain write of a value the log decided, with cells that only rise
 * ({@code USING TIMESTAMP} = the sequence, cursor, version or watermark), so writing a decision
 * twice, or late (a writer that was paused while its partitions moved on), leaves the same rows.
 * A user's inbox entries are written batch after batch in cursor order, so a reader of the inbox
 * never sees an entry before the ones below it.
 */
final class ProjectionWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProjectionWriter.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long RETRY_MILLIS = 500;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaLogConfig config;
    private final LogTopics topics;
    private final CassandraStore projection;
    private final MessageRouter router;
    private final LogCodec codec;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> replies;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closing = new CountDownLatch(1);

    ProjectionWriter(KafkaLogConfig config, LogTopics topics, CassandraStore projection, MessageRouter router,
                     LogCodec codec) {
        this.config = config;
        this.topics = topics;
        this.projection = projection;
        this.router = router;
        this.codec = codec;
        this.consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), new ByteArrayDeserializer());
        this.replies = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "parley-log-projection");
        thread.setDaemon(true);
    }

    void start() {
        consumer.subscribe(List.of(topics.outcomes(), topics.inboxEntries()));
        thread.start();
    }

    private void run() {
        boolean warned = false;
        while (!closed.get()) {
            ConsumerRecords<String, byte[]> records;
            try {
                records = consumer.poll(POLL);
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                log.warn("projection consumer failed; retrying", e);
                if (pause()) {
                    break;
                }
                continue;
            }
            if (records.isEmpty()) {
                continue;
            }
            Batch batch = new Batch();
            for (ConsumerRecord<String, byte[]> r : records) {
                batch.add(r);
            }
            try {
                batch.write().get(config.requestTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
                warned = false;
            } catch (Exception e) {
                if (!warned) {
                    log.warn("projection write failed ({}); retrying every {} ms (logged once until it works)",
                            e.getCause() != null ? e.getCause() : e, RETRY_MILLIS);
                    warned = true;
                }
                batch.rewind();
                if (pause()) {
                    break;
                }
                continue;
            }
            try {
                batch.announce();
            } catch (RuntimeException e) {
                log.warn("announcing projected entries failed; devices find them on their next sync", e);
            }
            consumer.commitAsync((offsets, error) -> {
                if (error != null) {
                    log.debug("projection offset commit failed; the next one covers it", error);
                }
            });
        }
        try {
            consumer.commitSync(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.debug("final projection offset commit failed", e);
        }
    }

    /** Waits before a retry; true when closing. */
    private boolean pause() {
        try {
            return closing.await(RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** The records of one poll: what to write, then whom to answer and what to announce. */
    private final class Batch {
        private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        private final Map<String, List<StoredMessage>> messages = new LinkedHashMap<>();
        private final Map<String, List<InboxEntry>> inboxes = new LinkedHashMap<>();
        private final List<NumberedEntry> numbered = new ArrayList<>();
        private final List<CompletableFuture<Void>> writes = new ArrayList<>();
        private final List<Outcome> outcomes = new ArrayList<>();

        void add(ConsumerRecord<String, byte[]> r) {
            firstOffsets.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
            try {
                if (r.topic().equals(topics.inboxEntries())) {
                    NumberedEntry n = codec.numberedEntry(r.value());
                    numbered.add(n);
                    inboxes.computeIfAbsent(n.entry().userId(), u -> new ArrayList<>()).add(n.entry());
                    return;
                }
                Outcome o = codec.outcome(r.value());
                outcomes.add(o);
                if (o instanceof Outcome.Stored s) {
                    messages.computeIfAbsent(s.message().conversationId(), c -> new ArrayList<>()).add(s.message());
                } else if (o instanceof Outcome.Changed c && c.applied()) {
                    writes.add(projection.writeConversation(c.conversation(), c.removed()).toCompletableFuture());
                } else if (o instanceof Outcome.Marked m && m.raised()) {
                    writes.add(projection.writeWatermarks(m.conversationId(), m.userId(), m.marks())
                            .toCompletableFuture());
                }
            } catch (IllegalArgumentException e) {
                log.warn("skipping an unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                        e.getMessage());
            }
        }

        CompletableFuture<Void> write() {
            messages.forEach((conv, list) -> writes.add(projection.writeMessages(conv, list).toCompletableFuture()));
            inboxes.forEach((user, list) -> writes.add(projection.writeInbox(user, list).toCompletableFuture()));
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }

        /**
         * Back to the batch's first offsets, for the partitions still assigned here (the new owner
         * of a revoked one replays from its committed offset).
         */
        void rewind() {
            var assigned = consumer.assignment();
            firstOffsets.forEach((tp, offset) -> {
                if (assigned.contains(tp)) {
                    consumer.seek(tp, offset);
                }
            });
        }

        /**
         * Answers the asking servers (one record per server for the whole batch) and announces
         * the inbox entries; all of it is written.
         */
        void announce() {
            Map<String, List<Outcome>> byServer = new HashMap<>();
            for (Outcome o : outcomes) {
                if (o instanceof Outcome.Duplicate d) {
                    projection.message(d.conversationId(), d.seq()).whenComplete((m, e) -> reply(d.origin(), List.of(
                            e == null && m.isPresent()
                                    ? new Outcome.Stored(d.origin(), d.requestId(), m.get(), List.of(), true)
                                    : new Outcome.Rejected(d.origin(), d.requestId(), ErrorCode.UNAVAILABLE,
                                            "the first copy of this message cannot be read now; retry"))));
                } else {
                    byServer.computeIfAbsent(o.origin(), k -> new ArrayList<>()).add(o);
                }
            }
            for (NumberedEntry n : numbered) {
                router.inboxAppended(n.entry());
                byServer.computeIfAbsent(n.origin(), k -> new ArrayList<>())
                        .add(new Outcome.Entry(n.origin(), n.requestId(), n.entry()));
            }
            byServer.forEach(ProjectionWriter.this::reply);
        }
    }

    private void reply(String server, List<Outcome> outcomes) {
        try {
            replies.send(new ProducerRecord<>(topics.replies(server), null, codec.encodeReplies(outcomes)),
                    (meta, error) -> {
                        if (error != null) {
                            log.debug("replies to server {} failed; they time out and are retried", server, error);
                        }
                    });
        } catch (RuntimeException e) {
            log.debug("replies to server {} not sent", server, e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        consumer.wakeup();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis() * 3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(CLOSE_TIMEOUT);
        replies.close(CLOSE_TIMEOUT);
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, topics.prefix() + "log-projection." + config.serverId());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, topics.projectionGroup());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, config.sessionTimeout().toMillis() / 5));
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return p;
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, topics.prefix() + "log-replies." + config.serverId());
        // Replies are answers to requests that time out and are retried: one broker's ack is enough.
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return p;
    }
}
