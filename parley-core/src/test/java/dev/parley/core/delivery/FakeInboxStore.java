package dev.parley.core.delivery;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A message store of one conversation log and one user's inbox, in memory and single-threaded,
 * for the unit tests of the session layer. It records what the layer asks of it. Of the
 * conversation methods (which move to their own port) only creation is implemented.
 */
final class FakeInboxStore implements MessageStore, ConversationStore {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final List<InboxEntry> inbox = new ArrayList<>();
    final List<StoredMessage> log = new ArrayList<>();
    final Map<String, Watermarks> watermarks = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    /** The acknowledgements written: user, device, delivered-up-to per conversation, cursor. */
    final List<Ack> acks = new ArrayList<>();
    /** What {@link #advanceWatermark} writes (keyed by user); empty unless a test sets it. */
    Map<String, InboxEntry> receiptsToWrite = Map.of();
    /** What {@link #acknowledge} writes; empty unless a test sets it. */
    List<InboxEntry> ackReceiptsToWrite = List.of();
    long deviceCursor;
    /** When set, {@link #deviceCursor} completes only when the test completes this future. */
    CompletableFuture<Long> heldCursor;

    record Ack(String userId, String deviceId, Map<String, Long> deliveredUpTo, long cursor) {
    }

    /** Appends a message of {@code from} in {@code conv} to the user's inbox; returns its cursor. */
    long addMessage(String user, String conv, long seq, String from) {
        long cursor = inbox.size() + 1;
        inbox.add(new InboxEntry(user, cursor, T0, new InboxEvent.MessageAdded(message(conv, seq, from))));
        return cursor;
    }

    long addReceipt(String user, String conv, long upTo) {
        long cursor = inbox.size() + 1;
        inbox.add(new InboxEntry(user, cursor, T0, new InboxEvent.ReceiptAdvanced(conv, "carol", ReceiptKind.READ, upTo)));
        return cursor;
    }

    static StoredMessage message(String conv, long seq, String from) {
        return new StoredMessage(conv, seq, "m" + seq, from, from + "-phone", "c" + seq, T0.plusMillis(seq), "body " + seq,
                null);
    }

    @Override
    public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        calls.add("readInbox after " + after + " limit " + limit);
        int from = (int) Math.min(after, inbox.size());
        return CompletableFuture.completedFuture(List.copyOf(inbox.subList(from, (int) Math.min(after + limit,
                inbox.size()))));
    }

    @Override
    public CompletionStage<Long> inboxHead(String userId) {
        calls.add("inboxHead");
        return CompletableFuture.completedFuture((long) inbox.size());
    }

    @Override
    public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        return heldCursor != null ? heldCursor : CompletableFuture.completedFuture(deviceCursor);
    }

    @Override
    public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        throw new UnsupportedOperationException("acknowledge is overridden");
    }

    @Override
    public CompletionStage<List<InboxEntry>> acknowledge(String userId, String deviceId, Map<String, Long> deliveredUpTo,
                                                        long cursor) {
        acks.add(new Ack(userId, deviceId, Map.copyOf(deliveredUpTo), cursor));
        return CompletableFuture.completedFuture(ackReceiptsToWrite);
    }

    @Override
    public CompletionStage<AppendResult> appendMessage(NewMessage m) {
        for (StoredMessage s : log) {
            if (s.senderDeviceId().equals(m.senderDeviceId()) && s.clientMsgId().equals(m.clientMsgId())) {
                return CompletableFuture.completedFuture(new AppendResult(s, true, Map.of(), List.of()));
            }
        }
        StoredMessage s = new StoredMessage(m.conversationId(), log.size() + 1, "m" + (log.size() + 1), m.senderId(),
                m.senderDeviceId(), m.clientMsgId(), T0.plusSeconds(log.size()), m.body(), m.contentType());
        log.add(s);
        InboxEntry entry = new InboxEntry(m.senderId(), inbox.size() + 1, s.timestamp(), new InboxEvent.MessageAdded(s));
        return CompletableFuture.completedFuture(new AppendResult(s, false, Map.of(m.senderId(), entry)));
    }

    @Override
    public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery q) {
        List<StoredMessage> out = new ArrayList<>();
        if (q.direction() == HistoryQuery.Direction.AFTER) {
            for (StoredMessage s : log) {
                if (s.seq() > q.anchor() && out.size() < q.limit()) {
                    out.add(s);
                }
            }
        } else {
            for (int i = log.size() - 1; i >= 0 && out.size() < q.limit(); i--) {
                if (log.get(i).seq() < q.anchor()) {
                    out.add(0, log.get(i));
                }
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<Long> lastSeq(String conversationId) {
        return CompletableFuture.completedFuture((long) log.size());
    }

    @Override
    public CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                                     ReceiptKind kind, long upTo) {
        calls.add("advanceWatermark " + kind + " " + upTo);
        return CompletableFuture.completedFuture(receiptsToWrite);
    }

    @Override
    public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        return CompletableFuture.completedFuture(Map.copyOf(watermarks));
    }

    @Override
    public CompletionStage<Long> pruneInboxes(Instant cutoff) {
        throw new UnsupportedOperationException();
    }

    // Conversation methods (they move to their own port): only creation, for the publisher test.

    public CompletionStage<ConversationWrite> createConversation(Conversation conversation, String actorId) {
        Map<String, InboxEntry> entries = new HashMap<>();
        for (String member : conversation.members()) {
            entries.put(member, new InboxEntry(member, 1, T0, conversation.creation(actorId)));
        }
        return CompletableFuture.completedFuture(new ConversationWrite(conversation, true, entries));
    }

    public CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<List<Conversation>> conversationsOf(String userId) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<ConversationWrite> updateConversation(Conversation updated,
                                                                 InboxEvent.MembershipChanged event,
                                                                 List<String> notify) {
        throw new UnsupportedOperationException();
    }
}
