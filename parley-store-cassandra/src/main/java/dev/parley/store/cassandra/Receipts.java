package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Receipt watermarks. A watermark row holds the delivered and read watermarks and, for each, how
 * far its receipt entries have been written ({@code *_fanned}). Raising a watermark is a
 * compare-and-set of the row; the receipt entries follow, and then the {@code *_fanned} columns
 * catch up. A call that finds a {@code *_fanned} column behind its watermark (its writer crashed
 * between the two) writes the missing receipt entries first, so a retried call completes the work.
 */
final class Receipts {
    /** Above this many newly covered messages, a receipt goes to every other member without a scan. */
    static final long RECEIPT_SCAN_LIMIT = 10_000;
    private static final int CAS_ATTEMPTS = 16;

    private final Env env;
    private final Conversations conversations;
    private final Inboxes inboxes;
    /** The last call per (conversation, user) key; guarded by itself. */
    private final Map<String, CompletableFuture<?>> inFlight = new HashMap<>();

    Receipts(Env env, Conversations conversations, Inboxes inboxes) {
        this.env = env;
        this.conversations = conversations;
        this.inboxes = inboxes;
    }

    /** A watermark row; null fields are columns never written (they compare as null in conditions). */
    private record Row4(Long delivered, Long read, Long deliveredFanned, Long readFanned) {
        static Row4 from(Row r) {
            if (r == null) {
                return new Row4(null, null, null, null);
            }
            return new Row4(get(r, "delivered"), get(r, "read"), get(r, "delivered_fanned"), get(r, "read_fanned"));
        }

        private static Long get(Row r, String c) {
            return r.isNull(c) ? null : r.getLong(c);
        }

        static long v(Long l) {
            return l == null ? 0 : l;
        }
    }

    /**
     * Raises a watermark and writes the receipt entries it owes. Calls for one (conversation, user)
     * run one after another in this process: two overlapping calls would both find the row's
     * entries owed and both write them, and the sender would see the same receipt twice. (Calls
     * from two servers at the same instant still can; a repeated receipt only repeats a watermark.)
     */
    CompletableFuture<Map<String, InboxEntry>> advance(String conv, String userId, ReceiptKind kind, long upTo) {
        return serialized(conv + '\u0000' + userId, () -> advance(conv, userId, kind, upTo, CAS_ATTEMPTS, false));
    }

    private <T> CompletableFuture<T> serialized(String key, Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<?> before;
        synchronized (inFlight) {
            before = inFlight.put(key, mine);
        }
        CompletableFuture<?> start = before == null ? CompletableFuture.completedFuture(null) : before;
        start.handle((v, e) -> null).thenCompose(v -> work.get()).whenComplete((r, e) -> {
            synchronized (inFlight) {
                inFlight.remove(key, mine);
            }
            if (e != null) {
                mine.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                mine.complete(r);
            }
        });
        return mine;
    }

    private CompletableFuture<Map<String, InboxEntry>> advance(String conv, String userId, ReceiptKind kind, long upTo,
                                                               int attempts, boolean serial) {
        return conversations.state(conv).thenCompose(st -> {
            if (st == null || !st.conversation().hasMember(userId)) {
                // A removed member may still acknowledge old entries: nothing to do.
                return CompletableFuture.completedFuture(Map.<String, InboxEntry>of());
            }
            var select = serial ? env.serial(env.st.watermarkSelect, conv, userId)
                    : env.bind(env.st.watermarkSelect, conv, userId);
            return env.cql.one(select).thenCompose(row -> {
                Row4 w = Row4.from(row);
                long d0 = Row4.v(w.delivered());
                long r0 = Row4.v(w.read());
                long capped = Math.min(upTo, st.head());
                long r1 = kind == ReceiptKind.READ ? Math.max(r0, capped) : r0;
                long d1 = Math.max(d0, kind == ReceiptKind.READ ? r1 : capped);
                boolean rose = d1 > d0 || r1 > r0;
                boolean pending = Row4.v(w.deliveredFanned()) < d0 || Row4.v(w.readFanned()) < r0;
                if (!rose && !pending) {
                    return CompletableFuture.completedFuture(Map.<String, InboxEntry>of());
                }
                if (!rose) {
                    return fanOut(conv, userId, st.conversation().members(), w);
                }
                // Reading implies delivery: when READ raises the delivered watermark and no delivered
                // receipt is outstanding, the read receipt stands for both.
                Long df1 = kind == ReceiptKind.READ && Row4.v(w.deliveredFanned()) == d0 && d1 > d0
                        ? Long.valueOf(d1) : w.deliveredFanned();
                Row4 raised = new Row4(d1, r1, df1, w.readFanned());
                return cas(conv, userId, w, raised).thenCompose(applied -> {
                    if (!applied) {
                        if (attempts <= 1) {
                            throw new ParleyException(ErrorCode.UNAVAILABLE, "cassandra: watermark did not settle");
                        }
                        return advance(conv, userId, kind, upTo, attempts - 1, true);
                    }
                    return fanOut(conv, userId, st.conversation().members(), raised);
                });
            });
        });
    }

    /** Compare-and-set of the whole row; an ambiguous outcome counts as not applied (the caller re-reads). */
    private CompletableFuture<Boolean> cas(String conv, String userId, Row4 expected, Row4 next) {
        return env.cql.cas(env.bind(env.st.watermarkCas, next.delivered(), next.read(), next.deliveredFanned(),
                next.readFanned(), conv, userId, expected.delivered(), expected.read(), expected.deliveredFanned(),
                expected.readFanned())).thenApply(Cql.CasResult::applied);
    }

    /** Writes the receipt entries the row owes, then records them as written. */
    private CompletableFuture<Map<String, InboxEntry>> fanOut(String conv, String userId, List<String> members,
                                                              Row4 w) {
        long d = Row4.v(w.delivered());
        long r = Row4.v(w.read());
        long df = Row4.v(w.deliveredFanned());
        long rf = Row4.v(w.readFanned());
        CompletableFuture<Map<String, InboxEntry>> delivered = df < d
                ? receipts(conv, userId, members, ReceiptKind.DELIVERED, df, d)
                : CompletableFuture.completedFuture(Map.of());
        return delivered.thenCompose(first -> {
            CompletableFuture<Map<String, InboxEntry>> read = rf < r
                    ? receipts(conv, userId, members, ReceiptKind.READ, rf, r)
                    : CompletableFuture.completedFuture(Map.of());
            return read.thenCompose(second -> {
                Map<String, InboxEntry> all = new LinkedHashMap<>(first);
                all.putAll(second);
                // If this does not apply, another call moved the row on and owes its own entries.
                return cas(conv, userId, w, new Row4(w.delivered(), w.read(), w.delivered(), w.read()))
                        .thenApply(x -> Collections.unmodifiableMap(all));
            });
        });
    }

    private CompletableFuture<Map<String, InboxEntry>> receipts(String conv, String userId, List<String> members,
                                                                ReceiptKind kind, long after, long upTo) {
        CompletableFuture<Set<String>> senders = upTo - after > RECEIPT_SCAN_LIMIT
                ? CompletableFuture.completedFuture(new HashSet<>(members))
                : conversations.senders(conv, after, upTo);
        return senders.thenCompose(s -> {
            Set<String> recipients = new LinkedHashSet<>();
            for (String member : members) {
                boolean otherSender = !member.equals(userId) && s.contains(member);
                boolean self = kind == ReceiptKind.READ && member.equals(userId);
                if (otherSender || self) {
                    recipients.add(member);
                }
            }
            InboxEvent.ReceiptAdvanced event = new InboxEvent.ReceiptAdvanced(conv, userId, kind, upTo);
            Instant ts = env.now();
            Map<String, CompletableFuture<Long>> written = new LinkedHashMap<>();
            for (String user : recipients) {
                written.put(user, inboxes.appendReceipt(user, event, ts));
            }
            return CompletableFuture.allOf(written.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<String, InboxEntry> out = new LinkedHashMap<>();
                written.forEach((user, f) -> out.put(user, new InboxEntry(user, f.join(), ts, event)));
                return out;
            });
        });
    }

    CompletableFuture<Map<String, Watermarks>> watermarks(String conv) {
        return conversations.state(conv).thenCompose(st -> {
            if (st == null) {
                return CompletableFuture.completedFuture(Map.<String, Watermarks>of());
            }
            return env.cql.all(env.bind(env.st.watermarksOfConversation, conv)).thenApply(rows -> {
                Map<String, Watermarks> out = new LinkedHashMap<>();
                for (String member : st.conversation().members()) {
                    out.put(member, Watermarks.NONE);
                }
                List<Row> list = new ArrayList<>(rows);
                for (Row row : list) {
                    String user = row.getString("user_id");
                    if (out.containsKey(user)) {
                        out.put(user, new Watermarks(row.isNull("delivered") ? 0 : row.getLong("delivered"),
                                row.isNull("read") ? 0 : row.getLong("read")));
                    }
                }
                return Collections.unmodifiableMap(out);
            });
        });
    }
}
