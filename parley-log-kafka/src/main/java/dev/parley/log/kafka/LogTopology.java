package dev.parley.log.kafka;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams topology of the log: two sub-topologies, each the single writer of what its
 * partitions hold.
 * <pre>
 *   commands (key conv) → ConversationSequencer [conversations, idempotency] → outcomes (key conv)
 *                                                                            → inbox requests (key user)
 *   inbox requests (key user) → InboxSequencer [inbox heads] → inbox entries (key user)
 * </pre>
 */
final class LogTopology {
    static final String CONVERSATIONS = "conversations";
    static final String IDEMPOTENCY = "idempotency";
    static final String INBOX_HEADS = "inbox-heads";
    static final String OUTCOMES_SINK = "outcomes-sink";
    static final String INBOX_REQUESTS_SINK = "inbox-requests-sink";

    private LogTopology() {
    }

    static Topology build(LogTopics topics) {
        Topology t = new Topology();
        t.addSource("commands", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.commands());
        t.addProcessor("conversation-sequencer", ConversationSequencer::new, "commands");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS),
                Serdes.String(), Serdes.ByteArray()), "conversation-sequencer");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY),
                Serdes.String(), Serdes.Long()), "conversation-sequencer");
        t.addSink(OUTCOMES_SINK, topics.outcomes(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                "conversation-sequencer");
        t.addSink(INBOX_REQUESTS_SINK, topics.inboxRequests(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), "conversation-sequencer");

        t.addSource("inbox-requests", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.inboxRequests());
        t.addProcessor("inbox-sequencer", InboxSequencer::new, "inbox-requests");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INBOX_HEADS),
                Serdes.String(), Serdes.Long()), "inbox-sequencer");
        t.addSink("inbox-entries", topics.inboxEntries(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                "inbox-sequencer");
        return t;
    }
}
