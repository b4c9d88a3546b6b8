package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The conversation log ({@code conversation_log}): one partition per conversation, a row per
 * message clustered by seq, and the static head (last seq and its timestamp).
 */
final class ConversationLog {
    private final Env env;

    ConversationLog(Env env) {
        this.env = env;
    }

    /**
     * One single-partition batch: every row {@code USING TIMESTAMP = seq}, the head {@code USING
     * TIMESTAMP = } the last seq. Cassandra lets each statement of a batch carry its own timestamp
     * when the batch itself names none; a single-partition batch is applied as one mutation, so
     * the rows and their head become visible together.
     */
    CompletableFuture<Void> write(String conv, List<StoredMessage> messages) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED).setIdempotence(true);
        for (StoredMessage m : messages) {
            batch.addStatement(env.bind(env.st.logInsert, conv, m.seq(), m.messageId(), m.senderId(),
                    m.senderDeviceId(), m.clientMsgId(), m.timestamp(), m.body(), m.contentType(), m.seq()));
        }
        StoredMessage last = messages.get(messages.size() - 1);
        batch.addStatement(env.bind(env.st.logHead, last.seq(), last.seq(), last.timestamp(), conv));
        return env.cql.exec(batch.build()).thenApply(rs -> null);
    }

    CompletableFuture<Long> lastSeq(String conv) {
        return env.cql.one(env.bind(env.st.logHeadSelect, conv))
                .thenApply(row -> row == null || row.isNull("head") ? 0L : row.getLong("head"));
    }

    CompletableFuture<Optional<StoredMessage>> message(String conv, long seq) {
        return env.cql.one(env.bind(env.st.logMessage, conv, seq)).thenApply(r -> Optional.ofNullable(message(conv, r)));
    }

    /**
     * A page of the log up to its head, as the {@code MessageStore} contract defines it: the page's
     * seq bounds are computed from the head (and, by timestamp, a binary search over the rows),
     * then read with one range read.
     */
    CompletableFuture<List<StoredMessage>> history(String conv, HistoryQuery q) {
        return lastSeq(conv).thenCompose(last -> {
            if (last == 0) {
                return CompletableFuture.completedFuture(List.<StoredMessage>of());
            }
            CompletableFuture<long[]> bounds;
            if (q.byTimestamp()) {
                if (q.direction() == HistoryQuery.Direction.BEFORE) {
                    bounds = firstSeqWithTimestamp(conv, 1, last + 1, q.anchor(), false).thenApply(first -> {
                        long to = first - 1;
                        return new long[] {Math.max(1, to - q.limit() + 1), to};
                    });
                } else {
                    bounds = firstSeqWithTimestamp(conv, 1, last + 1, q.anchor(), true)
                            .thenApply(from -> new long[] {from, Math.min(last, from + q.limit() - 1)});
                }
            } else if (q.direction() == HistoryQuery.Direction.BEFORE) {
                long to = q.anchor() <= 1 ? 0 : Math.min(last, q.anchor() - 1);
                bounds = CompletableFuture.completedFuture(new long[] {Math.max(1, to - q.limit() + 1), to});
            } else {
                long from = q.anchor() >= last ? last + 1 : Math.max(1, q.anchor() + 1);
                bounds = CompletableFuture.completedFuture(new long[] {from, Math.min(last, from + q.limit() - 1)});
            }
            return bounds.thenCompose(b -> {
                if (b[0] > b[1]) {
                    return CompletableFuture.completedFuture(List.<StoredMessage>of());
                }
                return env.cql.all(env.bind(env.st.logRange, conv, b[0], b[1]), r -> message(conv, r))
                        .thenApply(List::copyOf);
            });
        });
    }

    /**
     * The first seq in [lo, hi) whose timestamp is at or after ({@code strictlyAfter}: after)
     * {@code epochMillis}, or hi. A binary search of point reads: timestamps never decrease along seq.
     */
    private CompletableFuture<Long> firstSeqWithTimestamp(String conv, long lo, long hi, long epochMillis,
                                                          boolean strictlyAfter) {
        if (lo >= hi) {
            return CompletableFuture.completedFuture(lo);
        }
        long mid = lo + (hi - lo) / 2;
        return env.cql.one(env.bind(env.st.logTs, conv, mid)).thenCompose(row -> {
            if (row == null) {
                // Below the head, so an earlier batch of the writer has not landed yet: retriable.
                throw new ParleyException(ErrorCode.UNAVAILABLE, "conversation log still being written at seq " + mid);
            }
            long ts = row.getInstant("ts").toEpochMilli();
            boolean past = strictlyAfter ? ts > epochMillis : ts >= epochMillis;
            return past
                    ? firstSeqWithTimestamp(conv, lo, mid, epochMillis, strictlyAfter)
                    : firstSeqWithTimestamp(conv, mid + 1, hi, epochMillis, strictlyAfter);
        });
    }

    static StoredMessage message(String conv, Row r) {
        if (r == null || r.isNull("message_id")) {
            return null;
        }
        return new StoredMessage(conv, r.getLong("seq"), r.getString("message_id"), r.getString("sender_id"),
                r.getString("sender_device"), r.getString("client_msg_id"), r.getInstant("ts"), r.getString("body"),
                r.getString("content_type"));
    }
}
