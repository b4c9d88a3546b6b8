package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The per-user inboxes: appends (through one {@link InboxWriter} per user), reads and pruning. */
final class Inboxes {
    private static final Logger log = LoggerFactory.getLogger(Inboxes.class);
    static final byte KIND_MESSAGE = 1;
    static final byte KIND_RECEIPT = 2;
    static final byte KIND_CHANGE = 3;
    /** How far back from the head an entry written by someone else is looked for. */
    private static final int LOOKUP_DEPTH = 2_000;
    private static final int PRUNE_PAGE = 500;
    private static final int PRUNE_PARALLELISM = 8;
    private static final int IN_CHUNK = 100;

    /** A message's sequence number and timestamp: all an inbox entry needs to refer to it. */
    record SeqTs(long seq, Instant ts) {
    }

    private final Env env;
    private final ConcurrentHashMap<String, InboxWriter> writers = new ConcurrentHashMap<>();

    Inboxes(Env env) {
        this.env = env;
    }

    private void submit(String userId, InboxWriter.Req req) {
        while (true) {
            InboxWriter w = writers.computeIfAbsent(userId, u -> new InboxWriter(env, u));
            if (w.offer(req)) {
                return;
            }
            writers.remove(userId, w);
        }
    }

    /** Appends message entries of one conversation; completes with seq → cursor for the entries this call wrote. */
    CompletableFuture<Map<Long, Long>> appendMessages(String userId, String conversationId, List<SeqTs> items) {
        CompletableFuture<Map<Long, Long>> done = new CompletableFuture<>();
        submit(userId, new InboxWriter.Messages(conversationId, items, done));
        return done;
    }

    /** Appends the membership entry of a conversation version; completes with its cursor, null if it was there. */
    CompletableFuture<Long> appendChange(String userId, long version, InboxEvent.MembershipChanged event, Instant ts) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        submit(userId, new InboxWriter.Change(event.conversationId(), version, event, ts, done));
        return done;
    }

    CompletableFuture<Long> appendReceipt(String userId, InboxEvent.ReceiptAdvanced event, Instant ts) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        submit(userId, new InboxWriter.Receipt(event, ts, done));
        return done;
    }

    /** Forgets writers idle for this long (their cached state goes with them). */
    void sweep(long idleNanos) {
        writers.forEach((user, w) -> {
            if (w.retireIfIdle(idleNanos)) {
                writers.remove(user, w);
            }
        });
    }

    // ---- reads

    CompletableFuture<Long> head(String userId) {
        return env.cql.one(env.bind(env.st.inboxHead, userId))
                .thenApply(row -> row == null || row.isNull("head") ? 0L : row.getLong("head"));
    }

    CompletableFuture<List<InboxEntry>> read(String userId, long after, int limit) {
        if (after == Long.MAX_VALUE) {
            return CompletableFuture.completedFuture(List.of());
        }
        return env.cql.all(env.bind(env.st.inboxRead, userId, Math.max(0, after), limit))
                .thenCompose(rows -> resolve(userId, rows));
    }

    /** Turns inbox rows into entries, reading the messages they refer to (grouped per conversation). */
    private CompletableFuture<List<InboxEntry>> resolve(String userId, List<Row> rows) {
        Map<String, List<Long>> refs = new HashMap<>();
        for (Row r : rows) {
            if (!r.isNull("cursor") && r.getByte("kind") == KIND_MESSAGE) {
                refs.computeIfAbsent(r.getString("conv_id"), c -> new ArrayList<>()).add(r.getLong("seq"));
            }
        }
        Map<String, CompletableFuture<Map<Long, StoredMessage>>> fetched = new HashMap<>();
        refs.forEach((conv, seqs) -> fetched.put(conv, messages(conv, seqs)));
        return CompletableFuture.allOf(fetched.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<InboxEntry> out = new ArrayList<>(rows.size());
            for (Row r : rows) {
                if (r.isNull("cursor")) {
                    continue;
                }
                long cursor = r.getLong("cursor");
                Instant ts = r.getInstant("ts");
                String conv = r.getString("conv_id");
                switch (r.getByte("kind")) {
                    case KIND_MESSAGE -> {
                        StoredMessage m = fetched.get(conv).join().get(r.getLong("seq"));
                        if (m == null) {
                            // Messages are never deleted, so this is damage; skip rather than wedge the inbox.
                            log.error("inbox entry {} refers to a missing message (seq {})", cursor, r.getLong("seq"));
                        } else {
                            out.add(new InboxEntry(userId, cursor, ts, new InboxEvent.MessageAdded(m)));
                        }
                    }
                    case KIND_RECEIPT -> out.add(new InboxEntry(userId, cursor, ts, new InboxEvent.ReceiptAdvanced(conv,
                            r.getString("receipt_user"), ReceiptKind.valueOf(r.getString("receipt_kind")),
                            r.getLong("up_to"))));
                    case KIND_CHANGE -> out.add(new InboxEntry(userId, cursor, ts, changeEvent(r)));
                    default -> log.error("inbox entry {} has unknown kind {}", cursor, r.getByte("kind"));
                }
            }
            return List.copyOf(out);
        });
    }

    private static InboxEvent.MembershipChanged changeEvent(Row r) {
        String conv = r.getString("conv_id");
        Conversation c = r.isNull("c_kind") ? null : new Conversation(conv,
                Conversation.Kind.valueOf(r.getString("c_kind")), r.getString("c_name"), ConvState.list(r, "c_members"),
                r.getString("c_created_by"), Instant.parse(r.getString("c_created_at")), r.getLong("c_version"));
        return new InboxEvent.MembershipChanged(conv, r.getString("change"), r.getString("actor"),
                ConvState.list(r, "users"), c);
    }

    /** The messages at these sequence numbers: one range read when they are dense, IN reads otherwise. */
    CompletableFuture<Map<Long, StoredMessage>> messages(String conv, List<Long> seqs) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : seqs) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        List<CompletableFuture<List<StoredMessage>>> parts = new ArrayList<>();
        if (max - min + 1 <= 2L * seqs.size() + 16) {
            parts.add(env.cql.all(env.bind(env.st.messageRange, conv, min, max), r -> Conversations.message(conv, r)));
        } else {
            List<Long> distinct = seqs.stream().distinct().sorted().toList();
            for (int i = 0; i < distinct.size(); i += IN_CHUNK) {
                List<Long> chunk = distinct.subList(i, Math.min(distinct.size(), i + IN_CHUNK));
                parts.add(env.cql.all(env.bind(env.st.messagesIn, conv, chunk), r -> Conversations.message(conv, r)));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<Long, StoredMessage> out = new HashMap<>();
            for (CompletableFuture<List<StoredMessage>> p : parts) {
                for (StoredMessage m : p.join()) {
                    out.put(m.seq(), m);
                }
            }
            return out;
        });
    }

    /**
     * The cursor of the newest entry matching {@code match} among the last {@value #LOOKUP_DEPTH} of
     * the inbox, or null: used when an entry this store meant to write was written by another
     * writer (a helper), so the caller still learns its cursor.
     */
    CompletableFuture<Long> findRecent(String userId, Predicate<Row> match) {
        return env.cql.all(env.bind(env.st.inboxRecent, userId, LOOKUP_DEPTH)).thenApply(rows -> {
            for (Row r : rows) {
                if (!r.isNull("cursor") && match.test(r)) {
                    return r.getLong("cursor");
                }
            }
            return null;
        });
    }

    static Predicate<Row> isMessage(String conv, long seq) {
        return r -> r.getByte("kind") == KIND_MESSAGE && conv.equals(r.getString("conv_id")) && r.getLong("seq") == seq;
    }

    static Predicate<Row> isChange(String conv, long version) {
        return r -> r.getByte("kind") == KIND_CHANGE && conv.equals(r.getString("conv_id"))
                && !r.isNull("c_version") && r.getLong("c_version") == version;
    }

    // ---- retention

    /**
     * Deletes, per inbox, the leading run of entries older than {@code cutoff}. Scans every inbox
     * partition (a token-range scan of {@code SELECT DISTINCT user_id}), a page at a time, and reads
     * each inbox from its oldest entry until the first entry at or after the cutoff: the cost is one
     * read per inbox plus the old entries themselves. The static head survives, so cursors go on
     * after a fully pruned inbox.
     */
    CompletableFuture<Long> prune(Instant cutoff) {
        return env.cql.exec(env.bind(env.st.inboxUsers)).thenCompose(rs -> prunePage(rs, cutoff, 0L));
    }

    private CompletableFuture<Long> prunePage(AsyncResultSet rs, Instant cutoff, long deletedSoFar) {
        List<String> users = new ArrayList<>();
        for (Row r : rs.currentPage()) {
            users.add(r.getString("user_id"));
        }
        return pruneUsers(users, 0, cutoff, 0L).thenCompose(n -> {
            if (!rs.hasMorePages()) {
                return CompletableFuture.completedFuture(deletedSoFar + n);
            }
            return rs.fetchNextPage().toCompletableFuture().exceptionallyCompose(e -> CompletableFuture.failedFuture(
                    Cql.map(e))).thenCompose(next -> prunePage(next, cutoff, deletedSoFar + n));
        });
    }

    private CompletableFuture<Long> pruneUsers(List<String> users, int from, Instant cutoff, long soFar) {
        if (from >= users.size()) {
            return CompletableFuture.completedFuture(soFar);
        }
        int to = Math.min(users.size(), from + PRUNE_PARALLELISM);
        List<CompletableFuture<Long>> group = new ArrayList<>();
        for (String u : users.subList(from, to)) {
            group.add(pruneUser(u, cutoff));
        }
        return CompletableFuture.allOf(group.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            long n = soFar;
            for (CompletableFuture<Long> f : group) {
                n += f.join();
            }
            return pruneUsers(users, to, cutoff, n);
        });
    }

    private CompletableFuture<Long> pruneUser(String userId, Instant cutoff) {
        return scanPage(userId, 0, cutoff, -1, 0).thenCompose(run -> {
            if (run.count() == 0) {
                return CompletableFuture.completedFuture(0L);
            }
            return env.cql.exec(env.bind(env.st.inboxDeleteRange, userId, run.first(), run.endExclusive()))
                    .thenApply(rs -> run.count());
        });
    }

    private record OldRun(long first, long endExclusive, long count) {
    }

    private CompletableFuture<OldRun> scanPage(String userId, long from, Instant cutoff, long first, long count) {
        return env.cql.all(env.bind(env.st.inboxOldest, userId, from, PRUNE_PAGE)).thenCompose(rows -> {
            long f = first;
            long n = count;
            long last = from - 1;
            int seen = 0;
            for (Row r : rows) {
                if (r.isNull("cursor")) {
                    continue;
                }
                seen++;
                if (!r.getInstant("ts").isBefore(cutoff)) {
                    return CompletableFuture.completedFuture(new OldRun(f, last + 1, n));
                }
                last = r.getLong("cursor");
                if (f < 0) {
                    f = last;
                }
                n++;
            }
            if (seen < PRUNE_PAGE) {
                return CompletableFuture.completedFuture(new OldRun(f, last + 1, n));
            }
            return scanPage(userId, last + 1, cutoff, f, n);
        });
    }
}
