package dev.parley.log.kafka;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The log's topics. All are keyed, so a key's records stay in one partition, in order.
 * <pre>
 * &lt;prefix&gt;log.commands        key conversation  sends, creates, updates, marks from every chat server
 * &lt;prefix&gt;log.outcomes        key conversation  what the conversation's single writer decided
 * &lt;prefix&gt;log.inbox-requests  key user          inbox entries to number, from the conversations' writers
 * &lt;prefix&gt;log.inbox-entries   key user          numbered inbox entries
 * &lt;prefix&gt;replies.&lt;server&gt;    (1 partition)      outcomes for the server that asked, once projected
 * </pre>
 * plus the changelog topics Kafka Streams creates for the state stores.
 */
record LogTopics(String prefix, String serverId) {
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
    /** Replies are read within the request timeout; an hour is ample. */
    private static final long REPLY_RETENTION_MS = TimeUnit.HOURS.toMillis(1);

    String applicationId() {
        return prefix + "log";
    }

    String commands() {
        return prefix + "log.commands";
    }

    String outcomes() {
        return prefix + "log.outcomes";
    }

    String inboxRequests() {
        return prefix + "log.inbox-requests";
    }

    String inboxEntries() {
        return prefix + "log.inbox-entries";
    }

    String projectionGroup() {
        return prefix + "log.projection";
    }

    String replies(String server) {
        return prefix + "replies." + server;
    }

    String replies() {
        return replies(serverId);
    }

    /**
     * Creates the topics that are missing; blocks up to 30 s.
     *
     * @throws ParleyException UNAVAILABLE when Kafka cannot be reached
     */
    void ensure(KafkaLogConfig config) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, prefix + "log-admin." + serverId);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CREATE_TIMEOUT.toMillis());
        String minIsr = Integer.toString(config.minInsyncReplicas());
        List<NewTopic> wanted = new ArrayList<>();
        for (String name : List.of(commands(), outcomes(), inboxRequests(), inboxEntries())) {
            wanted.add(new NewTopic(name, config.partitions(), config.replicationFactor())
                    .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
        }
        wanted.add(new NewTopic(replies(), 1, config.replicationFactor()).configs(Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(REPLY_RETENTION_MS))));
        try (Admin admin = Admin.create(p)) {
            var results = admin.createTopics(wanted).values();
            for (var e : results.entrySet()) {
                try {
                    e.getValue().get(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw unavailable(ex.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (TimeoutException | RuntimeException e) {
            throw e instanceof ParleyException pe ? pe : unavailable(e);
        }
    }

    private ParleyException unavailable(Throwable cause) {
        return new ParleyException(ErrorCode.UNAVAILABLE, "cannot create the log's topics with prefix \"" + prefix
                + "\": " + cause, cause);
    }
}
