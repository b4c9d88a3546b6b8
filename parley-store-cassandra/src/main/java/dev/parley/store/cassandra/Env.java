package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** What every part of the store shares: the session, the statements, the clock, the timer. */
final class Env {
    final Cql cql;
    final Statements st;
    final Clock clock;
    final ScheduledExecutorService timer;
    /** Runs continuations that must not run on a driver I/O thread or must break a recursion. */
    final Executor work;
    final MessageIds ids = new MessageIds();
    final long helpAfterNanos;
    /** How long a caller waits for a fan-out before its stage fails with UNAVAILABLE. */
    final long fanoutDeadlineNanos;

    Env(Cql cql, Statements st, Clock clock, ScheduledExecutorService timer, Executor work, Duration helpAfter,
        Duration requestTimeout) {
        this.cql = cql;
        this.st = st;
        this.clock = clock;
        this.timer = timer;
        this.work = work;
        this.helpAfterNanos = helpAfter.toNanos();
        this.fanoutDeadlineNanos = helpAfter.plus(requestTimeout.multipliedBy(2)).toNanos();
    }

    /** Server time at millisecond precision, the precision of the wire protocol and of CQL timestamps. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    BoundStatement bind(PreparedStatement ps, Object... values) {
        return ps.bind(values);
    }

    /** A read at SERIAL (LOCAL_SERIAL): sees, and first completes, every in-progress Paxos round. */
    BoundStatement serial(PreparedStatement ps, Object... values) {
        return ps.bind(values).setConsistencyLevel(cql.serial());
    }

    /** A stage that completes after {@code nanos}, on the timer thread. */
    CompletableFuture<Void> sleep(long nanos) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        timer.schedule(() -> f.complete(null), Math.max(0, nanos), TimeUnit.NANOSECONDS);
        return f;
    }
}
