package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's writer for one conversation: it claims sequence numbers for appends (group
 * commit: one lightweight transaction claims a whole batch) and drives the conversation's
 * fan-out frontier, strictly in order, helping other writers whose fan-out stalls. See the
 * package documentation for the protocol; this class is its implementation. Thread-safe: state
 * is guarded by {@code this}, and no lock is held across a Cassandra call.
 */
final class ConvPipeline {
    private static final Logger log = LoggerFactory.getLogger(ConvPipeline.class);
    static final int MAX_CLAIM = 100;
    static final int MAX_CLAIM_BYTES = 256 * 1024;
    static final int MAX_FANOUT = 256;
    private static final int MAX_CLAIM_ATTEMPTS = 64;
    private static final long MIN_WAIT_NANOS = 2_000_000L;
    private static final long MAX_WAIT_NANOS = 50_000_000L;

    /** An append waiting for, or in, a claim. Duplicates sent while it is in flight attach to it. */
    static final class Pending {
        final NewMessage m;
        final String key;
        final String messageId;
        final CompletableFuture<AppendResult> result = new CompletableFuture<>();
        final List<CompletableFuture<AppendResult>> duplicates = new ArrayList<>();

        Pending(NewMessage m, String key, String messageId) {
            this.m = m;
            this.key = key;
            this.messageId = messageId;
        }

        int bytes() {
            return m.body().length() * 3 + 256;
        }
    }

    /** A batch this process claimed and must fan out. */
    private static final class OwnBatch {
        final long first;
        final long last;
        final List<Pending> pendings;
        final List<StoredMessage> messages;
        final List<String> members;
        final Map<Long, Map<String, Long>> cursors = new HashMap<>();
        final long deadline;

        OwnBatch(List<Pending> pendings, List<StoredMessage> messages, List<String> members, long deadline) {
            this.first = messages.get(0).seq();
            this.last = messages.get(messages.size() - 1).seq();
            this.pendings = pendings;
            this.messages = messages;
            this.members = members;
            this.deadline = deadline;
        }
    }

    /** A conversation change this process committed and must fan out. */
    private static final class OwnChange {
        final UUID id;
        final CompletableFuture<Map<String, InboxEntry>> done = new CompletableFuture<>();
        final Map<String, Long> cursors = new LinkedHashMap<>();
        List<String> notify = List.of();
        InboxEvent.MembershipChanged event;
        Instant ts;

        OwnChange(UUID id) {
            this.id = id;
        }
    }

    /** Someone waiting until fanned >= seq and changesFanned >= version. */
    private record Waiter(long seq, long version, long deadline, CompletableFuture<ConvState> done) {
    }

    private final Env env;
    private final Inboxes inboxes;
    private final Conversations conversations;
    final String conv;

    // claims
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Map<String, Pending> byKey = new HashMap<>();
    private boolean claiming;
    private int holds;
    private ConvState cached;

    // fan-out
    private final TreeMap<Long, OwnBatch> owned = new TreeMap<>();
    private final Map<Long, OwnChange> ownChanges = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean advancing;
    private boolean again;
    private long seenFanned = -1;
    private long seenChangesFanned = -1;
    private long lastProgress = System.nanoTime();
    private long waitNanos = MIN_WAIT_NANOS;
    private long helpNowUpTo;

    private boolean retired;
    private long idleSince = System.nanoTime();

    ConvPipeline(Env env, Inboxes inboxes, Conversations conversations, String conv) {
        this.env = env;
        this.inboxes = inboxes;
        this.conversations = conversations;
        this.conv = conv;
    }

    synchronized boolean retireIfIdle(long idleNanos) {
        boolean idle = queue.isEmpty() && byKey.isEmpty() && !claiming && holds == 0 && owned.isEmpty()
                && ownChanges.isEmpty() && waiters.isEmpty() && !advancing;
        if (idle && System.nanoTime() - idleSince >= idleNanos) {
            retired = true;
        }
        return retired;
    }

    // =====================================================================================
    // Appends: claim sequence numbers
    // =====================================================================================

    static String idempotencyKey(NewMessage m) {
        return m.senderId().length() + ":" + m.senderId() + m.senderDeviceId().length() + ":" + m.senderDeviceId()
                + m.clientMsgId();
    }

    /** Queues an append; null when retired (the caller takes a new pipeline). */
    CompletableFuture<AppendResult> append(NewMessage m) {
        String key = idempotencyKey(m);
        CompletableFuture<AppendResult> out;
        synchronized (this) {
            if (retired) {
                return null;
            }
            Pending inFlight = byKey.get(key);
            if (inFlight != null) {
                out = new CompletableFuture<>();
                inFlight.duplicates.add(out);
                return out;
            }
            Pending p = new Pending(m, key, env.ids.next(env.clock.millis()));
            byKey.put(key, p);
            queue.add(p);
            out = p.result;
        }
        kickClaim();
        return out;
    }

    /** Pauses this process's claims (a conversation update waits for a quiet log); false when retired. */
    synchronized boolean hold() {
        if (retired) {
            return false;
        }
        holds++;
        return true;
    }

    void release() {
        synchronized (this) {
            holds--;
        }
        kickClaim();
    }

    private void kickClaim() {
        List<Pending> batch = new ArrayList<>();
        synchronized (this) {
            if (claiming || holds > 0 || queue.isEmpty()) {
                return;
            }
            int bytes = 0;
            while (!queue.isEmpty() && batch.size() < MAX_CLAIM
                    && (batch.isEmpty() || bytes + queue.peek().bytes() <= MAX_CLAIM_BYTES)) {
                Pending p = queue.poll();
                bytes += p.bytes();
                batch.add(p);
            }
            claiming = true;
        }
        env.work.execute(() -> claim(batch, 1).whenComplete((v, e) -> {
            if (e != null) {
                ParleyException pe = Cql.map(e);
                for (Pending p : batch) {
                    finish(p, null, pe);
                }
            }
            synchronized (this) {
                claiming = false;
                idleSince = System.nanoTime();
            }
            kickClaim();
        }));
    }

    private CompletableFuture<ConvState> claimState() {
        ConvState c;
        synchronized (this) {
            c = cached;
        }
        return c != null ? CompletableFuture.completedFuture(c) : conversations.serialState(conv);
    }

    /** Claims the batch, or resolves its members as duplicates / refusals. Completes when every pending is handled. */
    private CompletableFuture<Void> claim(List<Pending> batch, int attempt) {
        boolean fromCache;
        synchronized (this) {
            fromCache = cached != null;
        }
        return claimState().thenCompose(st -> {
            List<Pending> members = new ArrayList<>();
            List<Pending> outsiders = new ArrayList<>();
            for (Pending p : batch) {
                (st != null && st.conversation().hasMember(p.m.senderId()) ? members : outsiders).add(p);
            }
            if (!outsiders.isEmpty() && fromCache) {
                // The cached membership may be stale: decide on a fresh SERIAL read.
                dropCache();
                return claim(batch, attempt);
            }
            CompletableFuture<Void> refused = outsiders.isEmpty()
                    ? CompletableFuture.completedFuture(null)
                    : refuseOrDuplicate(outsiders);
            if (members.isEmpty()) {
                return refused;
            }
            return refused.thenCompose(v -> claimMembers(st, members, attempt));
        });
    }

    /** A non-member's append is refused, unless it is a retry of a message sent while a member. */
    private CompletableFuture<Void> refuseOrDuplicate(List<Pending> outsiders) {
        return markers(outsiders).thenCompose(found -> {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Pending p : outsiders) {
                Marker mk = found.get(p.key);
                if (mk == null) {
                    finish(p, null, new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "conversation not found"));
                } else {
                    all.add(duplicate(p, mk.seq()));
                }
            }
            return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        });
    }

    private CompletableFuture<Void> claimMembers(ConvState st, List<Pending> batch, int attempt) {
        Instant now = env.now();
        Instant ts = st.headTs() != null && now.isBefore(st.headTs()) ? st.headTs() : now;
        long head = st.head();
        List<StoredMessage> messages = new ArrayList<>(batch.size());
        List<BatchableStatement<?>> stmts = new ArrayList<>(batch.size() * 2 + 1);
        stmts.add(env.bind(env.st.claimHead, head + batch.size(), ts, conv, st.version(), head));
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            long seq = head + 1 + i;
            StoredMessage msg = new StoredMessage(conv, seq, p.messageId, p.m.senderId(), p.m.senderDeviceId(),
                    p.m.clientMsgId(), ts, p.m.body(), p.m.contentType());
            messages.add(msg);
            stmts.add(env.bind(env.st.claimMarker, conv, p.key, seq, p.messageId));
            stmts.add(env.bind(env.st.claimMessage, conv, seq, p.messageId, p.m.senderId(), p.m.senderDeviceId(),
                    p.m.clientMsgId(), ts, p.m.body(), p.m.contentType()));
        }
        BatchStatement cas = BatchStatement.newInstance(DefaultBatchType.UNLOGGED).addAll(stmts);
        return env.cql.cas(cas).thenCompose(r -> {
            if (r.applied()) {
                claimed(st, batch, messages);
                return CompletableFuture.completedFuture(null);
            }
            dropCache();
            // Not applied, or unknown: the markers say which of our messages exist, and whose they are.
            return markers(batch).thenCompose(found -> {
                Marker first = found.get(batch.get(0).key);
                if (first != null && first.messageId().equals(batch.get(0).messageId)
                        && first.seq() == messages.get(0).seq()) {
                    // Our batch applied (it is atomic) though the answer was lost. (Ours at another
                    // seq means an earlier attempt applied: its messages are answered below, from
                    // their markers, not at this attempt's numbers.)
                    claimed(st, batch, messages);
                    return CompletableFuture.completedFuture(null);
                }
                List<Pending> retry = new ArrayList<>();
                List<CompletableFuture<Void>> dups = new ArrayList<>();
                for (Pending p : batch) {
                    Marker mk = found.get(p.key);
                    if (mk == null) {
                        retry.add(p);
                    } else {
                        dups.add(duplicate(p, mk.seq()));
                    }
                }
                CompletableFuture<Void> done = CompletableFuture.allOf(dups.toArray(CompletableFuture[]::new));
                if (retry.isEmpty()) {
                    return done;
                }
                if (attempt >= MAX_CLAIM_ATTEMPTS) {
                    throw new ParleyException(ErrorCode.UNAVAILABLE,
                            "cassandra: could not claim a sequence number after " + attempt + " attempts", r.cause());
                }
                CompletableFuture<Void> pause = attempt > 2
                        ? env.sleep(ThreadLocalRandom.current().nextLong(500_000L, 1_000_000L * Math.min(20, attempt)))
                        : CompletableFuture.completedFuture(null);
                return pause.thenCompose(v -> claim(retry, attempt + 1)).thenCombine(done, (a, b) -> null);
            });
        });
    }

    private synchronized void dropCache() {
        cached = null;
    }

    private void claimed(ConvState st, List<Pending> batch, List<StoredMessage> messages) {
        StoredMessage last = messages.get(messages.size() - 1);
        synchronized (this) {
            cached = new ConvState(st.conversation(), last.seq(), last.timestamp(), st.fanned(), st.changesFanned(),
                    st.change());
            owned.put(messages.get(0).seq(), new OwnBatch(batch, messages, st.conversation().members(),
                    System.nanoTime() + env.fanoutDeadlineNanos));
        }
        kickAdvance();
    }

    /** An idempotency marker: the message a (sender, device, client id) became. */
    record Marker(long seq, String messageId) {
    }

    private CompletableFuture<Map<String, Marker>> markers(List<Pending> ps) {
        List<String> keys = ps.stream().map(p -> p.key).distinct().toList();
        return env.cql.all(env.serial(env.st.markersSelect, conv, keys)).thenApply(rows -> {
            Map<String, Marker> out = new HashMap<>();
            for (Row r : rows) {
                out.put(r.getString("idem"), new Marker(r.getLong("ref_seq"), r.getString("message_id")));
            }
            return out;
        });
    }

    /** Answers a retry with the first message, once that message's fan-out is complete (helping it if stalled). */
    private CompletableFuture<Void> duplicate(Pending p, long seq) {
        return env.cql.one(env.bind(env.st.messageRange, conv, seq, seq)).thenCompose(row -> {
            if (row == null) {
                throw new ParleyException(ErrorCode.INTERNAL, "idempotency marker refers to a missing message");
            }
            StoredMessage first = Conversations.message(conv, row);
            // Never null here: a pipeline with a claim in progress is not retired.
            return awaitFanned(seq).thenApply(st -> first);
        }).handle((first, e) -> {
            if (e != null) {
                finish(p, null, Cql.map(e));
            } else {
                finish(p, new AppendResult(first, true, Map.of()), null);
            }
            return null;
        });
    }

    /** Completes an append (and the in-process duplicates attached to it). */
    private void finish(Pending p, AppendResult r, Throwable e) {
        List<CompletableFuture<AppendResult>> dups;
        synchronized (this) {
            byKey.remove(p.key, p);
            dups = new ArrayList<>(p.duplicates);
        }
        if (e != null) {
            p.result.completeExceptionally(e);
            dups.forEach(d -> d.completeExceptionally(e));
        } else {
            p.result.complete(r);
            AppendResult dup = new AppendResult(r.message(), true, Map.of());
            dups.forEach(d -> d.complete(dup));
        }
    }

    /** Test hook: claims a message and stops there, as a writer that crashes before its fan-out would. */
    CompletableFuture<StoredMessage> claimOnly(NewMessage m) {
        Pending p = new Pending(m, idempotencyKey(m), env.ids.next(env.clock.millis()));
        return conversations.serialState(conv).thenCompose(st -> {
            long seq = st.head() + 1;
            Instant ts = env.now();
            StoredMessage msg = new StoredMessage(conv, seq, p.messageId, m.senderId(), m.senderDeviceId(),
                    m.clientMsgId(), ts, m.body(), m.contentType());
            BatchStatement cas = BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
                    env.bind(env.st.claimHead, seq, ts, conv, st.version(), st.head()),
                    env.bind(env.st.claimMarker, conv, p.key, seq, p.messageId),
                    env.bind(env.st.claimMessage, conv, seq, p.messageId, m.senderId(), m.senderDeviceId(),
                            m.clientMsgId(), ts, m.body(), m.contentType()));
            return env.cql.cas(cas).thenApply(r -> {
                if (!r.applied()) {
                    throw new IllegalStateException("claim not applied: " + r.outcome());
                }
                return msg;
            });
        });
    }

    // =====================================================================================
    // Fan-out frontier
    // =====================================================================================

    /** Registers a change this process committed; completes with its membership entries once fanned out. */
    CompletableFuture<Map<String, InboxEntry>> ownChange(long version, UUID id) {
        OwnChange oc = new OwnChange(id);
        synchronized (this) {
            if (retired) {
                return null;
            }
            ownChanges.put(version, oc);
            cached = null; // the version moved: the next claim reads the new member list
        }
        kickAdvance();
        return oc.done;
    }

    /** Completes when every message up to {@code seq} is fanned out; null when retired. */
    CompletableFuture<ConvState> awaitFanned(long seq) {
        return await(seq, 0);
    }

    /** Completes when the change to {@code version} is fanned out; null when retired. */
    CompletableFuture<ConvState> awaitChange(long version) {
        return await(0, version);
    }

    /** Completes when everything up to {@code seq} and {@code version} is fanned out; null when retired. */
    CompletableFuture<ConvState> await(long seq, long version) {
        Waiter w = new Waiter(seq, version, System.nanoTime() + env.fanoutDeadlineNanos, new CompletableFuture<>());
        synchronized (this) {
            if (retired) {
                return null;
            }
            waiters.add(w);
        }
        kickAdvance();
        return w.done;
    }

    private void kickAdvance() {
        synchronized (this) {
            if (advancing) {
                again = true;
                return;
            }
            advancing = true;
            again = false;
            // A new waiting period starts now, not at the last progress seen long ago.
            lastProgress = System.nanoTime();
            waitNanos = MIN_WAIT_NANOS;
        }
        env.work.execute(this::step);
    }

    private enum Kind { CHANGE, MESSAGES, WAIT, IDLE }

    private record Action(Kind kind, long lo, long hi) {
    }

    private void step() {
        conversations.state(conv).whenComplete((st, e) -> {
            if (e != null) {
                failAll(Cql.map(e), 0);
                return;
            }
            Action a = decide(st);
            CompletableFuture<Void> work = switch (a.kind()) {
                case CHANGE -> fanOutChange(st);
                case MESSAGES -> fanOutMessages(st, a.lo(), a.hi());
                case WAIT -> env.sleep(a.lo());
                case IDLE -> null;
            };
            if (work == null) {
                boolean more;
                synchronized (this) {
                    more = again;
                    again = false;
                    if (!more) {
                        advancing = false;
                        idleSince = System.nanoTime();
                    }
                }
                if (more) {
                    env.work.execute(this::step);
                }
                return;
            }
            work.whenComplete((v, err) -> {
                if (err != null) {
                    log.warn("fan-out of conversation failed: {}", Cql.unwrap(err).toString());
                    failAll(Cql.map(err), a.kind() == Kind.MESSAGES ? a.hi() : st.head());
                    return;
                }
                env.work.execute(this::step);
            });
        });
    }

    /** Completes what the state covers, and decides the next step. */
    private Action decide(ConvState st) {
        List<Runnable> completions = new ArrayList<>();
        Action action;
        synchronized (this) {
            long now = System.nanoTime();
            if (st == null) {
                ParleyException gone = new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "conversation not found");
                waiters.forEach(w -> completions.add(() -> w.done.completeExceptionally(gone)));
                waiters.clear();
                action = new Action(Kind.IDLE, 0, 0);
            } else {
                if (st.fanned() != seenFanned || st.changesFanned() != seenChangesFanned) {
                    seenFanned = st.fanned();
                    seenChangesFanned = st.changesFanned();
                    lastProgress = now;
                    waitNanos = MIN_WAIT_NANOS;
                }
                collectCompletions(st, now, completions);
                action = next(st, now);
            }
        }
        completions.forEach(Runnable::run);
        return action;
    }

    private Action next(ConvState st, long now) {
        boolean helpDue = now - lastProgress >= env.helpAfterNanos;
        if (st.changePending()) {
            if (ownChanges.containsKey(st.version()) || helpDue) {
                return new Action(Kind.CHANGE, 0, 0);
            }
            return waitAction();
        }
        if (st.fanned() < st.head()) {
            long first = st.fanned() + 1;
            long ownEnd = ownRunEnd(first);
            if (ownEnd >= first) {
                return new Action(Kind.MESSAGES, st.fanned(), Math.min(ownEnd, st.fanned() + MAX_FANOUT));
            }
            if (helpDue || first <= helpNowUpTo) {
                if (helpDue) {
                    log.info("helping a stalled fan-out of a conversation: seq {} to {}", first,
                            Math.min(st.head(), st.fanned() + MAX_FANOUT));
                }
                return new Action(Kind.MESSAGES, st.fanned(), Math.min(st.head(), st.fanned() + MAX_FANOUT));
            }
            return waitAction();
        }
        if (!waiters.isEmpty() || !owned.isEmpty() || !ownChanges.isEmpty()) {
            return waitAction();
        }
        return new Action(Kind.IDLE, 0, 0);
    }

    private Action waitAction() {
        long w = waitNanos;
        waitNanos = Math.min(MAX_WAIT_NANOS, waitNanos * 2);
        return new Action(Kind.WAIT, w, 0);
    }

    /** The end of the run of this process's batches that starts at or covers {@code first}; first - 1 when none. */
    private long ownRunEnd(long first) {
        Map.Entry<Long, OwnBatch> e = owned.floorEntry(first);
        if (e == null || e.getValue().last < first) {
            return first - 1;
        }
        long end = e.getValue().last;
        while (true) {
            OwnBatch next = owned.get(end + 1);
            if (next == null || end - first + 1 >= MAX_FANOUT) {
                return end;
            }
            end = next.last;
        }
    }

    /** Under the lock: queues completions of whatever the state covers, and expires overdue waits. */
    private void collectCompletions(ConvState st, long now, List<Runnable> out) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (st.fanned() >= w.seq() && st.changesFanned() >= w.version()) {
                it.remove();
                out.add(() -> w.done.complete(st));
            } else if (now - w.deadline() > 0) {
                it.remove();
                out.add(() -> w.done.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE,
                        "fan-out of the conversation did not complete in time")));
            }
        }
        for (Iterator<OwnBatch> it = owned.values().iterator(); it.hasNext(); ) {
            OwnBatch b = it.next();
            if (b.last <= st.fanned()) {
                it.remove();
                out.add(() -> completeBatch(b));
            } else if (now - b.deadline > 0) {
                it.remove();
                ParleyException late = new ParleyException(ErrorCode.UNAVAILABLE,
                        "fan-out of the message did not complete in time; retry the send");
                out.add(() -> b.pendings.forEach(p -> finish(p, null, late)));
            }
        }
        for (Iterator<Map.Entry<Long, OwnChange>> it = ownChanges.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, OwnChange> e = it.next();
            if (e.getKey() <= st.changesFanned()) {
                it.remove();
                OwnChange oc = e.getValue();
                out.add(() -> completeChange(st, e.getKey(), oc));
            }
        }
    }

    /**
     * Fails every stage waiting on this pipeline (their callers retry; a retried send finds its
     * claim and completes the fan-out). The messages this process claimed up to {@code orphanedUpTo}
     * and its own batches are helped at once from now on instead of after the help delay.
     */
    private void failAll(ParleyException e, long orphanedUpTo) {
        List<Runnable> out = new ArrayList<>();
        boolean more;
        synchronized (this) {
            long upTo = orphanedUpTo;
            if (!owned.isEmpty()) {
                upTo = Math.max(upTo, owned.lastEntry().getValue().last);
            }
            helpNowUpTo = Math.max(helpNowUpTo, upTo);
            waiters.forEach(w -> out.add(() -> w.done.completeExceptionally(e)));
            waiters.clear();
            owned.values().forEach(b -> out.add(() -> b.pendings.forEach(p -> finish(p, null, e))));
            owned.clear();
            ownChanges.values().forEach(oc -> out.add(() -> oc.done.completeExceptionally(e)));
            ownChanges.clear();
            more = again;
            again = false;
            advancing = false;
            idleSince = System.nanoTime();
        }
        out.forEach(Runnable::run);
        if (more) {
            kickAdvance();
        }
    }

    private CompletableFuture<Void> fanOutMessages(ConvState st, long lo, long hi) {
        Map<Long, StoredMessage> mine = new HashMap<>();
        synchronized (this) {
            Long from = owned.floorKey(lo + 1);
            for (OwnBatch b : owned.subMap(from == null ? lo + 1 : from, true, hi, true).values()) {
                for (StoredMessage m : b.messages) {
                    if (m.seq() > lo && m.seq() <= hi) {
                        mine.put(m.seq(), m);
                    }
                }
            }
        }
        CompletableFuture<List<Inboxes.SeqTs>> items;
        if (mine.size() == hi - lo) {
            List<Inboxes.SeqTs> list = new ArrayList<>();
            for (long s = lo + 1; s <= hi; s++) {
                list.add(new Inboxes.SeqTs(s, mine.get(s).timestamp()));
            }
            items = CompletableFuture.completedFuture(list);
        } else {
            items = env.cql.all(env.bind(env.st.messageRange, conv, lo + 1, hi),
                    r -> new Inboxes.SeqTs(r.getLong("seq"), r.getInstant("ts")));
        }
        List<String> members = st.conversation().members();
        return items.thenCompose(list -> {
            Map<String, CompletableFuture<Map<Long, Long>>> perUser = new LinkedHashMap<>();
            for (String member : new LinkedHashSet<>(members)) {
                perUser.put(member, inboxes.appendMessages(member, conv, list));
            }
            return CompletableFuture.allOf(perUser.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                synchronized (this) {
                    perUser.forEach((user, f) -> f.join().forEach((seq, cursor) -> {
                        Map.Entry<Long, OwnBatch> e = owned.floorEntry(seq);
                        if (e != null && e.getValue().last >= seq) {
                            e.getValue().cursors.computeIfAbsent(seq, s -> new HashMap<>()).put(user, cursor);
                        }
                    }));
                }
                return null;
            });
        }).thenCompose(v -> env.cql.cas(env.bind(env.st.markFanned, hi, conv, lo))).thenApply(r -> null);
    }

    private CompletableFuture<Void> fanOutChange(ConvState st) {
        long v = st.version();
        Conversation c = st.conversation();
        ConvState.Change ch = st.change();
        InboxEvent.MembershipChanged event = ch.event(c);
        List<CompletableFuture<?>> index = new ArrayList<>();
        // Index writes carry the version as their timestamp, so a late helper of an older change can
        // never undo a newer one.
        for (String m : c.members()) {
            index.add(env.cql.exec(env.bind(env.st.userConversationInsert, m, conv, v)));
        }
        for (String r : ch.removed()) {
            index.add(env.cql.exec(env.bind(env.st.userConversationDelete, v, r, conv)));
        }
        Map<String, CompletableFuture<Long>> perUser = new LinkedHashMap<>();
        for (String user : new LinkedHashSet<>(ch.recipients())) {
            perUser.put(user, inboxes.appendChange(user, v, event, ch.ts()));
        }
        List<CompletableFuture<?>> all = new ArrayList<>(index);
        all.addAll(perUser.values());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenCompose(x -> {
            synchronized (this) {
                OwnChange oc = ownChanges.get(v);
                if (oc != null) {
                    oc.event = event;
                    oc.ts = ch.ts();
                    oc.notify = List.copyOf(perUser.keySet());
                    perUser.forEach((user, f) -> {
                        if (f.join() != null) {
                            oc.cursors.put(user, f.join());
                        }
                    });
                }
            }
            return env.cql.cas(env.bind(env.st.markChangesFanned, v, conv, st.changesFanned()));
        }).thenApply(r -> null);
    }

    private void completeBatch(OwnBatch b) {
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        Map<Long, Map<String, InboxEntry>> entries = new HashMap<>();
        for (StoredMessage m : b.messages) {
            Map<String, InboxEntry> forMessage = Collections.synchronizedMap(new LinkedHashMap<>());
            entries.put(m.seq(), forMessage);
            Map<String, Long> cursors = b.cursors.getOrDefault(m.seq(), Map.of());
            InboxEvent event = new InboxEvent.MessageAdded(m);
            for (String member : new LinkedHashSet<>(b.members)) {
                Long cursor = cursors.get(member);
                if (cursor != null) {
                    forMessage.put(member, new InboxEntry(member, cursor, m.timestamp(), event));
                } else {
                    // Another writer (a helper) wrote this entry: find its cursor.
                    lookups.add(inboxes.findRecent(member, Inboxes.isMessage(conv, m.seq())).thenAccept(c -> {
                        if (c != null) {
                            forMessage.put(member, new InboxEntry(member, c, m.timestamp(), event));
                        }
                    }));
                }
            }
        }
        CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            for (int i = 0; i < b.pendings.size(); i++) {
                StoredMessage m = b.messages.get(i);
                Map<String, InboxEntry> found = entries.get(m.seq());
                Map<String, InboxEntry> ordered = new LinkedHashMap<>();
                synchronized (found) {
                    for (String member : b.members) {
                        InboxEntry entry = found.get(member);
                        if (entry != null) {
                            ordered.put(member, entry);
                        }
                    }
                }
                finish(b.pendings.get(i), new AppendResult(m, false, Collections.unmodifiableMap(ordered)), null);
            }
        });
    }

    private void completeChange(ConvState st, long version, OwnChange oc) {
        InboxEvent.MembershipChanged event;
        Instant ts;
        List<String> notify;
        Map<String, Long> cursors;
        synchronized (this) {
            event = oc.event;
            ts = oc.ts;
            notify = oc.notify;
            cursors = new LinkedHashMap<>(oc.cursors);
        }
        if (event == null) {
            // Fanned out entirely by another writer: every entry must be looked up.
            ConvState.Change ch = st.change();
            event = version == st.version() ? ch.event(st.conversation()) : null;
            ts = ch.ts();
            notify = version == st.version() ? List.copyOf(new LinkedHashSet<>(ch.recipients())) : List.of();
        }
        InboxEvent.MembershipChanged ev = event;
        Instant at = ts;
        Map<String, InboxEntry> out = Collections.synchronizedMap(new LinkedHashMap<>());
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        for (String user : notify) {
            Long c = cursors.get(user);
            if (c != null) {
                out.put(user, new InboxEntry(user, c, at, ev));
            } else {
                lookups.add(inboxes.findRecent(user, Inboxes.isChange(conv, version)).thenAccept(found -> {
                    if (found != null) {
                        out.put(user, new InboxEntry(user, found, at, ev));
                    }
                }));
            }
        }
        List<String> order = notify;
        CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            Map<String, InboxEntry> ordered = new LinkedHashMap<>();
            synchronized (out) {
                for (String user : order) {
                    if (out.containsKey(user)) {
                        ordered.put(user, out.get(user));
                    }
                }
            }
            oc.done.complete(Collections.unmodifiableMap(ordered));
        });
    }
}
