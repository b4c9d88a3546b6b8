package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-user inboxes ({@code inbox_entries}: self-contained entries clustered by cursor, the
 * static head and prune floor) and the devices' acknowledged cursors ({@code device_cursors}).
 */
final class Inboxes {
    private static final Logger log = LoggerFactory.getLogger(Inboxes.class);
    static final byte KIND_MESSAGE = 1;
    static final byte KIND_RECEIPT = 2;
    static final byte KIND_CHANGE = 3;
    private static final int PRUNE_PAGE = 500;
    private static final int PRUNE_PARALLELISM = 8;

    private final Env env;

    Inboxes(Env env) {
        this.env = env;
    }

    // ---- writes

    /**
     * One single-partition batch (one mutation: all entries and the head become visible together):
     * each entry {@code USING TIMESTAMP = } its cursor, the head {@code USING TIMESTAMP = } the
     * last cursor.
     */
    CompletableFuture<Void> write(String userId, List<InboxEntry> entries) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED).setIdempotence(true);
        for (InboxEntry e : entries) {
            batch.addStatement(insert(userId, e));
        }
        long head = entries.get(entries.size() - 1).cursor();
        batch.addStatement(env.bind(env.st.inboxHead, head, head, userId));
        return env.cql.exec(batch.build()).thenApply(rs -> null);
    }

    private BoundStatement insert(String userId, InboxEntry e) {
        long c = e.cursor();
        if (e.event() instanceof InboxEvent.MessageAdded a) {
            StoredMessage m = a.message();
            return env.bind(env.st.inboxInsertMessage, userId, c, e.timestamp(), m.conversationId(), m.seq(),
                    m.messageId(), m.senderId(), m.senderDeviceId(), m.clientMsgId(), m.timestamp(), m.body(),
                    m.contentType(), c);
        }
        if (e.event() instanceof InboxEvent.ReceiptAdvanced r) {
            return env.bind(env.st.inboxInsertReceipt, userId, c, e.timestamp(), r.conversationId(), r.userId(),
                    r.kind().name(), r.upTo(), c);
        }
        // Only the change: c_name and c_version. The other c_ columns held a copy of the whole
        // conversation in rows written before, and stay null now.
        InboxEvent.MembershipChanged ch = (InboxEvent.MembershipChanged) e.event();
        return env.bind(env.st.inboxInsertChange, userId, c, e.timestamp(), ch.conversationId(), ch.change(),
                ch.actorId(), ch.users(), null, ch.name(), null, null, null, ch.version(), c);
    }

    // ---- reads

    CompletableFuture<Long> head(String userId) {
        return env.cql.one(env.bind(env.st.inboxHeadSelect, userId))
                .thenApply(row -> row == null || row.isNull("head") ? 0L : row.getLong("head"));
    }

    /**
     * Entries after {@code after}, cut at the first gap: the expected first cursor is
     * {@code after + 1}, or the prune floor when higher (entries below it were deleted on purpose).
     */
    CompletableFuture<List<InboxEntry>> read(String userId, long after, int limit) {
        if (after == Long.MAX_VALUE) {
            return CompletableFuture.completedFuture(List.of());
        }
        long from = Math.max(0, after);
        return env.cql.all(env.bind(env.st.inboxRead, userId, from, limit)).thenApply(rows -> {
            List<InboxEntry> out = new ArrayList<>(rows.size());
            long next = -1;
            for (Row r : rows) {
                if (r.isNull("cursor")) {
                    continue;
                }
                if (next < 0) {
                    next = Math.max(from + 1, r.isNull("pruned_below") ? 0 : r.getLong("pruned_below"));
                }
                long cursor = r.getLong("cursor");
                if (cursor < next) {
                    continue;
                }
                if (cursor != next) {
                    break;
                }
                InboxEntry entry = entry(userId, r);
                if (entry == null) {
                    break;
                }
                out.add(entry);
                next++;
            }
            return List.copyOf(out);
        });
    }

    private static InboxEvent.MembershipChanged change(String conv, Row r) {
        String change = r.getString("change");
        // Rows written before kept the whole conversation in c_name; only a create or rename names it.
        String name = "created".equals(change) || "renamed".equals(change) ? r.getString("c_name") : null;
        return new InboxEvent.MembershipChanged(conv, change, r.getString("actor"), Conversations.list(r, "users"),
                name, r.isNull("c_version") ? 0 : r.getLong("c_version"));
    }

    private static InboxEntry entry(String userId, Row r) {
        long cursor = r.getLong("cursor");
        Instant ts = r.getInstant("ts");
        String conv = r.getString("conv_id");
        InboxEvent event = switch (r.getByte("kind")) {
            case KIND_MESSAGE -> new InboxEvent.MessageAdded(new StoredMessage(conv, r.getLong("seq"),
                    r.getString("message_id"), r.getString("sender_id"), r.getString("sender_device"),
                    r.getString("client_msg_id"), r.getInstant("msg_ts"), r.getString("body"),
                    r.getString("content_type")));
            case KIND_RECEIPT -> new InboxEvent.ReceiptAdvanced(conv, r.getString("receipt_user"),
                    ReceiptKind.valueOf(r.getString("receipt_kind")), r.getLong("up_to"));
            case KIND_CHANGE -> change(conv, r);
            default -> null;
        };
        if (event == null) {
            // Stop here rather than skip: a reader must never pass over an entry.
            log.error("inbox entry {} has unknown kind {}", cursor, r.getByte("kind"));
            return null;
        }
        return new InboxEntry(userId, cursor, ts, event);
    }

    // ---- device cursors

    /** {@code USING TIMESTAMP = cursor}: a lower cursor written later loses. */
    CompletableFuture<Void> saveCursor(String userId, String deviceId, long cursor) {
        return env.cql.exec(env.bind(env.st.cursorSave, cursor, cursor, userId, deviceId)).thenApply(rs -> null);
    }

    CompletableFuture<Long> cursor(String userId, String deviceId) {
        return env.cql.one(env.bind(env.st.cursorSelect, userId, deviceId))
                .thenApply(row -> row == null || row.isNull("cursor") ? 0L : row.getLong("cursor"));
    }

    // ---- retention

    /**
     * Deletes, per inbox, the leading run of entries older than {@code cutoff}. Scans every inbox
     * partition (a token-range scan of {@code SELECT DISTINCT user_id}), a page at a time, and reads
     * each inbox from its oldest entry until the first entry at or after the cutoff: the cost is one
     * read per inbox plus the old entries themselves. The run is deleted with one range delete (at
     * the current time, so a replayed entry, written with the tiny timestamp of its cursor, stays
     * deleted), together with the static {@code pruned_below} ({@code USING TIMESTAMP = } its
     * value) that tells readers the missing cursors are not a gap. The head survives.
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
            BatchStatement batch = BatchStatement.builder(DefaultBatchType.UNLOGGED).setIdempotence(true)
                    .addStatement(env.bind(env.st.inboxDeleteRange, userId, run.first(), run.endExclusive()))
                    .addStatement(env.bind(env.st.inboxPrunedBelow, run.endExclusive(), run.endExclusive(), userId))
                    .build();
            return env.cql.exec(batch).thenApply(rs -> run.count());
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
                long cursor = r.getLong("cursor");
                // The run also ends at a gap: an entry still being written there must not fall under the delete.
                if (!r.getInstant("ts").isBefore(cutoff) || (f >= 0 && cursor != last + 1)) {
                    return CompletableFuture.completedFuture(new OldRun(f, last + 1, n));
                }
                last = cursor;
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
