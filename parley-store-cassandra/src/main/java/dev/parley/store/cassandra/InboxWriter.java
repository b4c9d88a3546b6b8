package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends entries to one user's inbox. Requests from every conversation queue here and are
 * written together: one lightweight transaction per drain, a conditional batch on the inbox
 * partition that raises the static {@code head} from the value read (IF head = h AND last_batch =
 * b, the state's own batch id) and inserts the entries at h+1, h+2, … — so cursors are gap-free
 * and an entry is visible only together with every entry below it. The same batch records, per
 * conversation, the highest message sequence and the highest conversation version written
 * ({@code conv_seq}, {@code conv_version}), which makes every append idempotent: an entry already
 * there is skipped, whoever wrote it.
 *
 * <p>One drain runs at a time; other processes writing the same inbox make the condition fail,
 * and the drain re-reads at SERIAL and tries again. Thread-safe.
 */
final class InboxWriter {
    private static final Logger log = LoggerFactory.getLogger(InboxWriter.class);
    private static final int MAX_ENTRIES_PER_WRITE = 256;
    private static final int MAX_ATTEMPTS = 64;

    /** What the inbox partition's static columns say. */
    record State(Long head, Map<String, Long> convSeq, Map<String, Long> convVersion, UUID lastBatch) {
        long headOrZero() {
            return head == null ? 0 : head;
        }

        static State from(Row row) {
            if (row == null) {
                return new State(null, Map.of(), Map.of(), null);
            }
            Long head = row.isNull("head") ? null : row.getLong("head");
            Map<String, Long> seq = row.getMap("conv_seq", String.class, Long.class);
            Map<String, Long> ver = row.getMap("conv_version", String.class, Long.class);
            return new State(head, seq == null ? Map.of() : seq, ver == null ? Map.of() : ver, row.getUuid("last_batch"));
        }
    }

    /** One append request. */
    sealed interface Req {
        int size();

        void fail(Throwable t);
    }

    /** Message entries of one conversation, in sequence order; completes with seq → cursor of those written. */
    record Messages(String conversationId, List<Inboxes.SeqTs> items, CompletableFuture<Map<Long, Long>> done)
            implements Req {
        @Override public int size() {
            return items.size();
        }

        @Override public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    /** A membership entry for conversation version {@code version}; completes with its cursor, null if already there. */
    record Change(String conversationId, long version, InboxEvent.MembershipChanged event, Instant ts,
                  CompletableFuture<Long> done) implements Req {
        @Override public int size() {
            return 1;
        }

        @Override public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    /** A receipt entry; completes with its cursor. */
    record Receipt(InboxEvent.ReceiptAdvanced event, Instant ts, CompletableFuture<Long> done) implements Req {
        @Override public int size() {
            return 1;
        }

        @Override public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private final Env env;
    private final String userId;
    private final ArrayDeque<Req> queue = new ArrayDeque<>();
    private boolean busy;
    private boolean retired;
    private State cached;
    private long idleSinceNanos = System.nanoTime();

    InboxWriter(Env env, String userId) {
        this.env = env;
        this.userId = userId;
    }

    /** Queues a request; false when this writer was retired (the caller takes a new one). */
    boolean offer(Req req) {
        synchronized (this) {
            if (retired) {
                return false;
            }
            queue.add(req);
            if (busy) {
                return true;
            }
            busy = true;
        }
        env.work.execute(this::drain);
        return true;
    }

    /** Retires the writer if it has been idle for {@code idleNanos}; true when retired. */
    synchronized boolean retireIfIdle(long idleNanos) {
        if (!busy && queue.isEmpty() && System.nanoTime() - idleSinceNanos >= idleNanos) {
            retired = true;
        }
        return retired;
    }

    private void drain() {
        List<Req> batch = new ArrayList<>();
        synchronized (this) {
            int n = 0;
            while (!queue.isEmpty() && (batch.isEmpty() || n + queue.peek().size() <= MAX_ENTRIES_PER_WRITE)) {
                Req r = queue.poll();
                n += r.size();
                batch.add(r);
            }
            if (batch.isEmpty()) {
                busy = false;
                idleSinceNanos = System.nanoTime();
                return;
            }
        }
        write(batch, 1).whenComplete((v, e) -> {
            if (e != null) {
                synchronized (this) {
                    cached = null;
                }
                ParleyException pe = Cql.map(e);
                for (Req r : batch) {
                    r.fail(pe);
                }
            }
            env.work.execute(this::drain);
        });
    }

    private CompletableFuture<State> state() {
        State s;
        synchronized (this) {
            s = cached;
        }
        if (s != null) {
            return CompletableFuture.completedFuture(s);
        }
        return readState();
    }

    private CompletableFuture<State> readState() {
        return env.cql.one(env.serial(env.st.inboxState, userId)).thenApply(State::from);
    }

    /** The plan of one write: cursors for new entries, results for entries already present. */
    private final class Plan {
        final State before;
        long head;
        final Map<String, Long> seqUpdates = new HashMap<>();
        final Map<String, Long> versionUpdates = new HashMap<>();
        final List<BatchableStatement<?>> inserts = new ArrayList<>();
        final Map<Req, Object> results = new LinkedHashMap<>();

        Plan(State before, List<Req> reqs) {
            this.before = before;
            this.head = before.headOrZero();
            for (Req r : reqs) {
                plan(r);
            }
        }

        private long presentSeq(String conv) {
            long a = before.convSeq().getOrDefault(conv, 0L);
            return Math.max(a, seqUpdates.getOrDefault(conv, 0L));
        }

        private long presentVersion(String conv) {
            long a = before.convVersion().getOrDefault(conv, 0L);
            return Math.max(a, versionUpdates.getOrDefault(conv, 0L));
        }

        private void plan(Req r) {
            if (r instanceof Messages m) {
                Map<Long, Long> cursors = new LinkedHashMap<>();
                long present = presentSeq(m.conversationId());
                long max = present;
                for (Inboxes.SeqTs item : m.items()) {
                    if (item.seq() <= present) {
                        continue;
                    }
                    long cursor = ++head;
                    cursors.put(item.seq(), cursor);
                    inserts.add(env.bind(env.st.inboxInsertMessage, userId, cursor, item.ts(), m.conversationId(),
                            item.seq()));
                    max = Math.max(max, item.seq());
                }
                if (max > present) {
                    seqUpdates.put(m.conversationId(), max);
                }
                results.put(r, cursors);
            } else if (r instanceof Change c) {
                if (c.version() <= presentVersion(c.conversationId())) {
                    results.put(r, null);
                    return;
                }
                long cursor = ++head;
                InboxEvent.MembershipChanged ev = c.event();
                Conversation cv = ev.conversation();
                inserts.add(env.bind(env.st.inboxInsertChange, userId, cursor, c.ts(), c.conversationId(),
                        ev.change(), ev.actorId(), ev.users(),
                        cv == null ? null : cv.kind().name(), cv == null ? null : cv.name(),
                        cv == null ? null : cv.members(), cv == null ? null : cv.createdBy(),
                        cv == null ? null : cv.createdAt().toString(), cv == null ? null : cv.version()));
                versionUpdates.put(c.conversationId(), c.version());
                results.put(r, cursor);
            } else if (r instanceof Receipt rc) {
                long cursor = ++head;
                InboxEvent.ReceiptAdvanced ev = rc.event();
                inserts.add(env.bind(env.st.inboxInsertReceipt, userId, cursor, rc.ts(), ev.conversationId(),
                        ev.userId(), ev.kind().name(), ev.upTo()));
                results.put(r, cursor);
            }
        }

        State after(UUID batchId) {
            Map<String, Long> seq = new HashMap<>(before.convSeq());
            seq.putAll(seqUpdates);
            Map<String, Long> ver = new HashMap<>(before.convVersion());
            ver.putAll(versionUpdates);
            return new State(head, seq, ver, batchId);
        }

        @SuppressWarnings("unchecked")
        void complete() {
            for (Map.Entry<Req, Object> e : results.entrySet()) {
                Req r = e.getKey();
                if (r instanceof Messages m) {
                    m.done().complete((Map<Long, Long>) e.getValue());
                } else if (r instanceof Change c) {
                    c.done().complete((Long) e.getValue());
                } else if (r instanceof Receipt rc) {
                    rc.done().complete((Long) e.getValue());
                }
            }
        }
    }

    private CompletableFuture<Void> write(List<Req> reqs, int attempt) {
        return state().thenCompose(s -> {
            Plan plan = new Plan(s, reqs);
            if (plan.inserts.isEmpty()) {
                plan.complete();
                return CompletableFuture.completedFuture(null);
            }
            UUID batchId = UUID.randomUUID();
            BatchStatement batch = BatchStatement.newInstance(DefaultBatchType.UNLOGGED)
                    // Not the head alone: after lost writes, another writer can bring the head back to
                    // the cached value over other entries, and a stale conv_seq would skip real ones.
                    .add(env.bind(env.st.inboxClaim, plan.head, batchId, plan.seqUpdates, plan.versionUpdates, userId,
                            s.head(), s.lastBatch()))
                    .addAll(plan.inserts);
            return env.cql.cas(batch).thenCompose(r -> switch (r.outcome()) {
                case APPLIED -> {
                    applied(plan, batchId);
                    yield CompletableFuture.<Void>completedFuture(null);
                }
                case NOT_APPLIED -> retry(reqs, attempt, null);
                case AMBIGUOUS -> readState().thenCompose(now -> {
                    if (batchId.equals(now.lastBatch())) {
                        applied(plan, batchId);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    // Not ours, or overwritten by a later batch: message and membership entries are
                    // recognised by conv_seq / conv_version on the next attempt; a receipt entry may be
                    // written twice, which readers tolerate (it only repeats a watermark).
                    synchronized (this) {
                        cached = now;
                    }
                    return retry(reqs, attempt, r.cause());
                });
            });
        });
    }

    private void applied(Plan plan, UUID batchId) {
        synchronized (this) {
            cached = plan.after(batchId);
        }
        plan.complete();
    }

    private CompletableFuture<Void> retry(List<Req> reqs, int attempt, Throwable cause) {
        synchronized (this) {
            if (cause == null) {
                cached = null;
            }
        }
        if (attempt >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE,
                    "cassandra: inbox append did not settle after " + attempt + " attempts", cause));
        }
        if (attempt > 2) {
            log.debug("inbox write contended (attempt {})", attempt);
            long backoff = ThreadLocalRandom.current().nextLong(1_000_000L, 1_000_000L * Math.min(50, attempt * 2L));
            return env.sleep(backoff).thenCompose(v -> write(reqs, attempt + 1));
        }
        return write(reqs, attempt + 1);
    }
}
