package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Asynchronous statement execution over one driver session, with the store's error mapping:
 * every driver failure becomes a {@link ParleyException} ({@code UNAVAILABLE} with the cause, or
 * {@code INTERNAL} for a statement Cassandra rejects as invalid). Stages complete on driver I/O
 * threads; callers attach only short, non-blocking continuations. Thread-safe.
 */
final class Cql {
    /** The outcome of a lightweight transaction. */
    enum Cas { APPLIED, NOT_APPLIED, AMBIGUOUS }

    /**
     * A lightweight transaction's outcome with the row Cassandra returned (current values when not
     * applied; null when applied or ambiguous).
     */
    record CasResult(Cas outcome, Row row, Throwable cause) {
        boolean applied() {
            return outcome == Cas.APPLIED;
        }
    }

    final CqlSession session;
    final ConsistencyLevel serial;

    Cql(CqlSession session, ConsistencyLevel serial) {
        this.session = session;
        this.serial = serial;
    }

    /** Runs a statement; the stage fails with a mapped {@link ParleyException}. */
    CompletableFuture<AsyncResultSet> exec(Statement<?> statement) {
        CompletableFuture<AsyncResultSet> out = new CompletableFuture<>();
        CompletionStage<AsyncResultSet> stage;
        try {
            stage = session.executeAsync(statement);
        } catch (RuntimeException e) {
            out.completeExceptionally(map(e));
            return out;
        }
        stage.whenComplete((rs, e) -> {
            if (e != null) {
                out.completeExceptionally(map(e));
            } else {
                out.complete(rs);
            }
        });
        return out;
    }

    /** The first row, or null when there is none. */
    CompletableFuture<Row> one(Statement<?> statement) {
        return exec(statement).thenApply(AsyncResultSet::one);
    }

    /** Every row of every page, in order. */
    CompletableFuture<List<Row>> all(Statement<?> statement) {
        return exec(statement).thenCompose(rs -> collect(rs, new ArrayList<>()));
    }

    /** Every row of every page, mapped. */
    <T> CompletableFuture<List<T>> all(Statement<?> statement, Function<Row, T> mapper) {
        return all(statement).thenApply(rows -> {
            List<T> out = new ArrayList<>(rows.size());
            for (Row r : rows) {
                T t = mapper.apply(r);
                if (t != null) {
                    out.add(t);
                }
            }
            return out;
        });
    }

    private CompletableFuture<List<Row>> collect(AsyncResultSet rs, List<Row> into) {
        for (Row r : rs.currentPage()) {
            into.add(r);
        }
        if (!rs.hasMorePages()) {
            return CompletableFuture.completedFuture(into);
        }
        CompletableFuture<List<Row>> out = new CompletableFuture<>();
        rs.fetchNextPage().whenComplete((next, e) -> {
            if (e != null) {
                out.completeExceptionally(map(e));
            } else {
                collect(next, into).whenComplete((r, e2) -> {
                    if (e2 != null) {
                        out.completeExceptionally(e2);
                    } else {
                        out.complete(r);
                    }
                });
            }
        });
        return out;
    }

    /**
     * Runs a lightweight transaction. A failure that leaves the outcome unknown (a write timeout,
     * an unknown CAS result, a client-side timeout, a dropped connection) completes normally with
     * {@link Cas#AMBIGUOUS}: the caller re-reads at SERIAL, which finishes any in-progress Paxos
     * round, to learn whether it applied. A failure that certainly applied nothing fails the stage.
     */
    CompletableFuture<CasResult> cas(Statement<?> statement) {
        CompletableFuture<CasResult> out = new CompletableFuture<>();
        CompletionStage<AsyncResultSet> stage;
        try {
            stage = session.executeAsync(statement);
        } catch (RuntimeException e) {
            out.completeExceptionally(map(e));
            return out;
        }
        stage.whenComplete((rs, e) -> {
            if (e != null) {
                Throwable cause = unwrap(e);
                if (certainlyNotApplied(cause)) {
                    out.completeExceptionally(map(cause));
                } else {
                    out.complete(new CasResult(Cas.AMBIGUOUS, null, cause));
                }
                return;
            }
            try {
                if (rs.wasApplied()) {
                    out.complete(new CasResult(Cas.APPLIED, null, null));
                } else {
                    out.complete(new CasResult(Cas.NOT_APPLIED, rs.one(), null));
                }
            } catch (RuntimeException ex) {
                out.completeExceptionally(map(ex));
            }
        });
        return out;
    }

    private static boolean certainlyNotApplied(Throwable e) {
        return e instanceof NoNodeAvailableException
                || e instanceof UnavailableException
                || e instanceof QueryValidationException
                || e instanceof OverloadedException
                || e instanceof BootstrappingException
                || e instanceof ParleyException;
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The store's exception for a failure of the driver (or of the store's own logic). */
    static ParleyException map(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof ParleyException pe) {
            return pe;
        }
        if (t instanceof QueryValidationException) {
            return new ParleyException(ErrorCode.INTERNAL, "cassandra rejected a statement: " + t.getMessage(), t);
        }
        return new ParleyException(ErrorCode.UNAVAILABLE,
                "cassandra unavailable: " + t.getClass().getSimpleName() + ": " + t.getMessage(), t);
    }

    ConsistencyLevel serial() {
        return serial;
    }
}
