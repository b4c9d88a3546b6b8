package dev.parley.log.kafka;

import dev.parley.core.message.InboxEntry;
import dev.parley.log.kafka.LogRecords.InboxRequest;
import dev.parley.log.kafka.LogRecords.NumberedEntry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the inboxes of one partition of the inbox requests topic: gives each
 * request the user's next cursor (1, 2, 3, … without gaps) and emits the entry, keyed by user.
 * Deterministic like {@link ConversationSequencer}, and under the same exactly-once processing.
 */
final class InboxSequencer implements Processor<String, byte[], String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(InboxSequencer.class);

    private final LogCodec codec = new LogCodec();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, Long> heads;

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.heads = context.getStateStore(LogTopology.INBOX_HEADS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        InboxRequest request;
        try {
            request = codec.inboxRequest(record.value());
        } catch (IllegalArgumentException e) {
            log.warn("skipping an unreadable inbox request for user {}: {}", record.key(), e.getMessage());
            return;
        }
        Long head = heads.get(request.userId());
        long cursor = (head == null ? 0 : head) + 1;
        heads.put(request.userId(), cursor);
        InboxEntry entry = new InboxEntry(request.userId(), cursor, request.timestamp(), request.event());
        context.forward(new Record<>(request.userId(),
                codec.encode(new NumberedEntry(request.origin(), request.requestId(), entry)), record.timestamp()));
    }
}
