package dev.parley.log.kafka;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.log.kafka.LogRecords.Command;
import dev.parley.log.kafka.LogRecords.InboxRequest;
import dev.parley.log.kafka.LogRecords.Outcome;
import dev.parley.protocol.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the conversations of one partition of the commands topic. For each
 * command, in log order, it decides from state it owns (the conversation, its head, the
 * members' watermarks, the idempotency keys) and emits the outcome, keyed by conversation, and
 * the inbox entries it implies, keyed by user.
 *
 * <p>Every decision is a function of the command, its record timestamp and the state, and the
 * state is exactly what the committed outputs imply (Kafka Streams' exactly-once processing: the
 * outputs, the changelogs of the stores and the input offsets commit in one transaction). A
 * replay after a crash or a rebalance therefore decides the same again, and a zombie that lost its
 * partition cannot commit anything.
 */
final class ConversationSequencer implements Processor<String, byte[], String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(ConversationSequencer.class);

    private final LogCodec codec = new LogCodec();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> conversations;
    private KeyValueStore<String, Long> idempotency;

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.conversations = context.getStateStore(LogTopology.CONVERSATIONS);
        this.idempotency = context.getStateStore(LogTopology.IDEMPOTENCY);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Command command;
        try {
            command = codec.command(record.value());
        } catch (IllegalArgumentException e) {
            log.warn("skipping an unreadable command for conversation {}: {}", record.key(), e.getMessage());
            return;
        }
        Instant at = command.at();
        String conv = command.conversationId();
        byte[] stored = conversations.get(conv);
        ConversationState state = stored == null ? null : codec.conversationState(stored);
        if (command instanceof Command.Append a) {
            append(a, state, at, record.timestamp());
        } else if (command instanceof Command.Create c) {
            create(c, state, at, record.timestamp());
        } else if (command instanceof Command.Update u) {
            update(u, state, at, record.timestamp());
        } else if (command instanceof Command.Mark m) {
            mark(m, state, at, record.timestamp());
        }
    }

    private void append(Command.Append a, ConversationState state, Instant at, long ts) {
        NewMessage m = a.message();
        String idemKey = m.conversationId() + '\n' + m.senderId() + '\n' + m.senderDeviceId() + '\n' + m.clientMsgId();
        Long firstSeq = idempotency.get(idemKey);
        if (firstSeq != null) {
            outcome(m.conversationId(),
                    new Outcome.Duplicate(a.origin(), a.requestId(), m.conversationId(), firstSeq), ts);
            return;
        }
        if (state == null || !state.conversation().hasMember(m.senderId())) {
            outcome(m.conversationId(), new Outcome.Rejected(a.origin(), a.requestId(),
                    ErrorCode.CONVERSATION_NOT_FOUND,
                    "no conversation \"" + m.conversationId() + "\""), ts);
            return;
        }
        long seq = state.head() + 1;
        Instant timestamp = at.isBefore(state.headTimestamp()) ? state.headTimestamp() : at;
        StoredMessage message = new StoredMessage(m.conversationId(), seq, a.messageId(), m.senderId(),
                m.senderDeviceId(), m.clientMsgId(), timestamp, m.body(), m.contentType());
        state.appended(seq, timestamp, m.senderId());
        save(state);
        idempotency.put(idemKey, seq);
        List<String> members = state.conversation().members();
        outcome(m.conversationId(), new Outcome.Stored(a.origin(), a.requestId(), message, members, false), ts);
        toInboxes(a, members, timestamp, new InboxEvent.MessageAdded(message), ts);
    }

    private void create(Command.Create c, ConversationState state, Instant at, long ts) {
        Conversation conv = c.conversation();
        if (state != null) {
            outcome(conv.id(),
                    new Outcome.Changed(c.origin(), c.requestId(), state.conversation(), List.of(), false, 0), ts);
            return;
        }
        save(new ConversationState(conv, 0, Instant.EPOCH));
        outcome(conv.id(), new Outcome.Changed(c.origin(), c.requestId(), conv, List.of(), true,
                conv.members().size()), ts);
        toInboxes(c, conv.members(), at,
                conv.creation(c.actorId()), ts);
    }

    private void update(Command.Update u, ConversationState state, Instant at, long ts) {
        Conversation next = u.updated();
        if (state == null) {
            outcome(next.id(), new Outcome.Rejected(u.origin(), u.requestId(), ErrorCode.CONVERSATION_NOT_FOUND,
                    "no conversation \"" + next.id() + "\""), ts);
            return;
        }
        Conversation current = state.conversation();
        if (current.version() != next.version() - 1) {
            outcome(next.id(), new Outcome.Changed(u.origin(), u.requestId(), current, List.of(), false, 0), ts);
            return;
        }
        List<String> removed = current.members().stream().filter(member -> !next.hasMember(member)).toList();
        state.conversation(next);
        save(state);
        outcome(next.id(), new Outcome.Changed(u.origin(), u.requestId(), next, removed, true,
                u.recipients().size()), ts);
        toInboxes(u, u.recipients(), at, u.event(), ts);
    }

    private void mark(Command.Mark m, ConversationState state, Instant at, long ts) {
        String conv = m.conversationId();
        String user = m.userId();
        if (state == null || !state.conversation().hasMember(user)) {
            // A removed member may still acknowledge entries of the conversation: nothing to raise.
            outcome(conv, new Outcome.Marked(m.origin(), m.requestId(), conv, user, Watermarks.NONE, false, 0), ts);
            return;
        }
        Watermarks old = state.marks().getOrDefault(user, Watermarks.NONE);
        long capped = Math.min(m.upTo(), state.head());
        long before = m.kind() == ReceiptKind.READ ? old.readUpTo() : old.deliveredUpTo();
        if (capped <= before) {
            outcome(conv, new Outcome.Marked(m.origin(), m.requestId(), conv, user, old, false, 0), ts);
            return;
        }
        Watermarks raised = m.kind() == ReceiptKind.READ
                ? new Watermarks(Math.max(old.deliveredUpTo(), capped), capped)
                : new Watermarks(capped, old.readUpTo());
        state.marks().put(user, raised);
        save(state);
        Set<String> senders = state.sendersIn(before, capped);
        List<String> tell = new ArrayList<>();
        for (String member : state.conversation().members()) {
            boolean sender = !member.equals(user) && senders.contains(member);
            if (sender || (m.kind() == ReceiptKind.READ && member.equals(user))) {
                tell.add(member);
            }
        }
        outcome(conv, new Outcome.Marked(m.origin(), m.requestId(), conv, user, raised, true, tell.size()), ts);
        toInboxes(m, tell, at, new InboxEvent.ReceiptAdvanced(conv, user, m.kind(), capped), ts);
    }

    private void save(ConversationState state) {
        conversations.put(state.conversation().id(), codec.encode(state));
    }

    private void outcome(String conversationId, Outcome outcome, long ts) {
        context.forward(new Record<>(conversationId, codec.encode(outcome), ts), LogTopology.OUTCOMES_SINK);
    }

    private void toInboxes(Command cause, Collection<String> users, Instant at, InboxEvent event, long ts) {
        for (String user : users) {
            InboxRequest request = new InboxRequest(cause.origin(), cause.requestId(), user, at, event);
            context.forward(new Record<>(user, codec.encode(request), ts),
                    LogTopology.INBOX_REQUESTS_SINK);
        }
    }
}
