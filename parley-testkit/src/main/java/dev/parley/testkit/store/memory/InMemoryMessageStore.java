package dev.parley.testkit.store.memory;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.conversation.ConversationWrite;
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
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The message and conversation ports in memory, for unit tests of the services: it keeps every
 * promise of {@link MessageStore} and {@link ConversationStore} except durability, and passes
 * the same contract suites as the adapters ({@code MessageStoreContract},
 * {@code ConversationStoreContract}).
 *
 * <p>One class serves both ports because they share one transaction, as in the adapters: a
 * conversation change and its membership entries, a message and its inbox entries, are written
 * under one lock, and a message is appended under the membership that lock sees. Every method
 * holds the lock for its whole work, so calls are linearizable, and answers with a stage that is
 * already complete (its dependent stages run on the caller's thread). Null arguments and a
 * non-positive limit throw at once; other failures complete the stage exceptionally with the
 * adapters' codes ({@code CONVERSATION_NOT_FOUND}).
 */
public final class InMemoryMessageStore implements MessageStore, ConversationStore {
    private final Clock clock;
    private final MessageIds messageIds = new MessageIds();
    private final Map<String, Conversation> conversations = new HashMap<>();
    /** user → ids of the conversations they are a member of, sorted as the adapters list them. */
    private final Map<String, Set<String>> membership = new HashMap<>();
    /** conversation → its messages, the message of sequence n at index n - 1. */
    private final Map<String, List<StoredMessage>> logs = new HashMap<>();
    /** (sender, device, conversation, client id) → the message that key first stored. */
    private final Map<List<String>, StoredMessage> sent = new HashMap<>();
    private final Map<String, Inbox> inboxes = new HashMap<>();
    private final Map<List<String>, Long> deviceCursors = new HashMap<>();
    /** conversation → user → watermarks; users without an entry have none. */
    private final Map<String, Map<String, Watermarks>> watermarks = new HashMap<>();

    /** One user's inbox: the entries not pruned, by cursor, and the highest cursor ever written. */
    private static final class Inbox {
        final TreeMap<Long, InboxEntry> entries = new TreeMap<>();
        long head;
    }

    /** A store that timestamps with {@code clock}. */
    public InMemoryMessageStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    // ---- conversations

    @Override
    public synchronized CompletionStage<ConversationWrite> createConversation(Conversation conversation,
                                                                              String actorId) {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(actorId, "actorId");
        Conversation existing = conversations.get(conversation.id());
        if (existing != null) {
            return done(new ConversationWrite(existing, false, Map.of()));
        }
        conversations.put(conversation.id(), conversation);
        for (String member : conversation.members()) {
            membership.computeIfAbsent(member, u -> new TreeSet<>()).add(conversation.id());
        }
        Map<String, InboxEntry> entries = appendToInboxes(conversation.members(), now(),
                conversation.creation(actorId));
        return done(new ConversationWrite(conversation, true, entries));
    }

    @Override
    public synchronized CompletionStage<Optional<Conversation>> findConversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return done(Optional.ofNullable(conversations.get(conversationId)));
    }

    @Override
    public synchronized CompletionStage<List<Conversation>> conversationsOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return done(membership.getOrDefault(userId, Set.of()).stream().map(conversations::get).toList());
    }

    @Override
    public synchronized CompletionStage<ConversationWrite> updateConversation(Conversation updated,
                                                                              InboxEvent.MembershipChanged event,
                                                                              List<String> notify) {
        Objects.requireNonNull(updated, "updated");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(notify, "notify");
        Conversation stored = conversations.get(updated.id());
        if (stored == null) {
            return failed(notFound());
        }
        if (stored.version() != updated.version() - 1) {
            return done(new ConversationWrite(stored, false, Map.of()));
        }
        conversations.put(updated.id(), updated);
        for (String old : stored.members()) {
            if (!updated.hasMember(old)) {
                membership.get(old).remove(updated.id());
            }
        }
        for (String member : updated.members()) {
            membership.computeIfAbsent(member, u -> new TreeSet<>()).add(updated.id());
        }
        return done(new ConversationWrite(updated, true, appendToInboxes(notify, now(), event)));
    }

    // ---- messages

    @Override
    public synchronized CompletionStage<AppendResult> appendMessage(NewMessage m) {
        Objects.requireNonNull(m, "message");
        List<String> key = List.of(m.senderId(), m.senderDeviceId(), m.conversationId(), m.clientMsgId());
        StoredMessage first = sent.get(key);
        if (first != null) {
            return done(new AppendResult(first, true, Map.of(), List.of()));
        }
        Conversation conv = conversations.get(m.conversationId());
        if (conv == null || !conv.hasMember(m.senderId())) {
            return failed(notFound());
        }
        List<StoredMessage> log = logs.computeIfAbsent(conv.id(), c -> new ArrayList<>());
        Instant now = now();
        Instant previous = log.isEmpty() ? now : log.get(log.size() - 1).timestamp();
        Instant ts = now.isBefore(previous) ? previous : now;
        StoredMessage stored = new StoredMessage(conv.id(), log.size() + 1L, messageIds.next(ts.toEpochMilli()),
                m.senderId(), m.senderDeviceId(), m.clientMsgId(), ts, m.body(), m.contentType());
        log.add(stored);
        sent.put(key, stored);
        return done(new AppendResult(stored, false,
                appendToInboxes(conv.members(), ts, new InboxEvent.MessageAdded(stored))));
    }

    @Override
    public synchronized CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery q) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(q, "query");
        requirePositive(q.limit());
        List<StoredMessage> log = logs.getOrDefault(conversationId, List.of());
        long last = log.size();
        long from;
        long to;
        if (q.byTimestamp()) {
            if (q.direction() == HistoryQuery.Direction.BEFORE) {
                to = firstSeqWithTimestamp(log, q.anchor(), false) - 1;
                from = Math.max(1, to - q.limit() + 1);
            } else {
                from = firstSeqWithTimestamp(log, q.anchor(), true);
                to = Math.min(last, from + q.limit() - 1);
            }
        } else if (q.direction() == HistoryQuery.Direction.BEFORE) {
            to = q.anchor() <= 1 ? 0 : Math.min(last, q.anchor() - 1);
            from = Math.max(1, to - q.limit() + 1);
        } else {
            from = Math.max(1, q.anchor() + 1);
            to = Math.min(last, from + q.limit() - 1);
        }
        return done(from > to ? List.of() : List.copyOf(log.subList((int) from - 1, (int) to)));
    }

    /** The first sequence whose timestamp is at or (when {@code strictlyAfter}) after the anchor, else last + 1. */
    private static long firstSeqWithTimestamp(List<StoredMessage> log, long epochMillis, boolean strictlyAfter) {
        for (StoredMessage m : log) {
            long ts = m.timestamp().toEpochMilli();
            if (strictlyAfter ? ts > epochMillis : ts >= epochMillis) {
                return m.seq();
            }
        }
        return log.size() + 1L;
    }

    @Override
    public synchronized CompletionStage<Long> lastSeq(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return done((long) logs.getOrDefault(conversationId, List.of()).size());
    }

    // ---- inboxes and cursors

    @Override
    public synchronized CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
        Objects.requireNonNull(userId, "userId");
        requirePositive(limit);
        Inbox inbox = inboxes.get(userId);
        if (inbox == null) {
            return done(List.of());
        }
        return done(inbox.entries.tailMap(after, false).values().stream().limit(limit).toList());
    }

    @Override
    public synchronized CompletionStage<Long> inboxHead(String userId) {
        Objects.requireNonNull(userId, "userId");
        Inbox inbox = inboxes.get(userId);
        return done(inbox == null ? 0L : inbox.head);
    }

    @Override
    public synchronized CompletionStage<Long> deviceCursor(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        return done(deviceCursors.getOrDefault(List.of(userId, deviceId), 0L));
    }

    @Override
    public synchronized CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        raiseCursor(userId, deviceId, cursor);
        return done(null);
    }

    private void raiseCursor(String userId, String deviceId, long cursor) {
        deviceCursors.merge(List.of(userId, deviceId), cursor, Math::max);
    }

    /**
     * {@inheritDoc} Deletes, per inbox, the leading run of entries older than the cutoff, as the
     * embedded store does; heads are kept, so cursors continue after a fully pruned inbox.
     */
    @Override
    public synchronized CompletionStage<Long> pruneInboxes(Instant cutoff) {
        Objects.requireNonNull(cutoff, "cutoff");
        long deleted = 0;
        for (Inbox inbox : inboxes.values()) {
            while (!inbox.entries.isEmpty() && inbox.entries.firstEntry().getValue().timestamp().isBefore(cutoff)) {
                inbox.entries.pollFirstEntry();
                deleted++;
            }
        }
        return done(deleted);
    }

    // ---- receipts

    /**
     * {@inheritDoc} When the conversation does not exist or the user is not a member, completes
     * with an empty map and writes nothing, as the adapters do.
     */
    @Override
    public synchronized CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId,
                                                                                  String userId, ReceiptKind kind,
                                                                                  long upTo) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(kind, "kind");
        return done(raiseWatermark(conversationId, userId, kind, upTo));
    }

    /** {@inheritDoc} Here under one lock: the watermarks and the cursor rise together. */
    @Override
    public synchronized CompletionStage<List<InboxEntry>> acknowledge(String userId, String deviceId,
                                                                     Map<String, Long> deliveredUpTo, long cursor) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        List<InboxEntry> entries = new ArrayList<>();
        deliveredUpTo.forEach((conv, upTo) ->
                entries.addAll(raiseWatermark(conv, userId, ReceiptKind.DELIVERED, upTo).values()));
        raiseCursor(userId, deviceId, cursor);
        return done(List.copyOf(entries));
    }

    private Map<String, InboxEntry> raiseWatermark(String conversationId, String userId, ReceiptKind kind,
                                                   long upTo) {
        Conversation conv = conversations.get(conversationId);
        if (conv == null || !conv.hasMember(userId)) {
            return Map.of();
        }
        List<StoredMessage> log = logs.getOrDefault(conversationId, List.of());
        long capped = Math.min(upTo, log.size());
        Map<String, Watermarks> marks = watermarks.computeIfAbsent(conversationId, c -> new HashMap<>());
        Watermarks wm = marks.getOrDefault(userId, Watermarks.NONE);
        long old = kind == ReceiptKind.READ ? wm.readUpTo() : wm.deliveredUpTo();
        if (capped <= old) {
            return Map.of();
        }
        marks.put(userId, kind == ReceiptKind.READ
                ? new Watermarks(Math.max(wm.deliveredUpTo(), capped), capped)
                : new Watermarks(capped, wm.readUpTo()));
        Set<String> senders = new LinkedHashSet<>();
        for (StoredMessage m : log.subList((int) old, (int) capped)) {
            senders.add(m.senderId());
        }
        List<String> recipients = new ArrayList<>();
        for (String member : conv.members()) {
            boolean otherSender = !member.equals(userId) && senders.contains(member);
            boolean self = kind == ReceiptKind.READ && member.equals(userId);
            if (otherSender || self) {
                recipients.add(member);
            }
        }
        return appendToInboxes(recipients, now(), new InboxEvent.ReceiptAdvanced(conversationId, userId, kind, capped));
    }

    /** {@inheritDoc} Empty when the conversation does not exist. */
    @Override
    public synchronized CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        Conversation conv = conversations.get(conversationId);
        if (conv == null) {
            return done(Map.of());
        }
        Map<String, Watermarks> marks = watermarks.getOrDefault(conversationId, Map.of());
        Map<String, Watermarks> out = new LinkedHashMap<>();
        for (String member : conv.members()) {
            out.put(member, marks.getOrDefault(member, Watermarks.NONE));
        }
        return done(Collections.unmodifiableMap(out));
    }

    // ---- helpers

    private Map<String, InboxEntry> appendToInboxes(Collection<String> users, Instant ts, InboxEvent event) {
        Map<String, InboxEntry> entries = new LinkedHashMap<>();
        for (String user : new LinkedHashSet<>(users)) {
            Inbox inbox = inboxes.computeIfAbsent(user, u -> new Inbox());
            InboxEntry entry = new InboxEntry(user, ++inbox.head, ts, event);
            inbox.entries.put(entry.cursor(), entry);
            entries.put(user, entry);
        }
        return Collections.unmodifiableMap(entries);
    }

    /** Server time at millisecond precision, the precision of the wire protocol. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void requirePositive(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }

    private static ParleyException notFound() {
        return new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "conversation not found");
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static <T> CompletionStage<T> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }
}
