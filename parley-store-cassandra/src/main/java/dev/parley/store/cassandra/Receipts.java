package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.message.Watermarks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Receipt watermarks ({@code receipt_watermarks}): a row per (conversation, user), each cell only rises. */
final class Receipts {
    private final Env env;

    Receipts(Env env) {
        this.env = env;
    }

    /**
     * One single-partition batch of up to two statements, {@code delivered} {@code USING TIMESTAMP
     * = } its value and {@code read} {@code USING TIMESTAMP = } its value; a zero is not written.
     */
    CompletableFuture<Void> write(String conv, String userId, Watermarks marks) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED).setIdempotence(true);
        if (marks.deliveredUpTo() > 0) {
            batch.addStatement(env.bind(env.st.deliveredSave, marks.deliveredUpTo(), marks.deliveredUpTo(), conv,
                    userId));
        }
        if (marks.readUpTo() > 0) {
            batch.addStatement(env.bind(env.st.readSave, marks.readUpTo(), marks.readUpTo(), conv, userId));
        }
        if (batch.getStatementsCount() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return env.cql.exec(batch.build()).thenApply(rs -> null);
    }

    CompletableFuture<Map<String, Watermarks>> of(String conv) {
        return env.cql.all(env.bind(env.st.watermarksOfConversation, conv)).thenApply(rows -> {
            Map<String, Watermarks> out = new LinkedHashMap<>();
            for (Row row : rows) {
                out.put(row.getString("user_id"), new Watermarks(value(row, "delivered"), value(row, "read")));
            }
            return Collections.unmodifiableMap(out);
        });
    }

    private static long value(Row row, String column) {
        return row.isNull(column) ? 0 : row.getLong(column);
    }
}
