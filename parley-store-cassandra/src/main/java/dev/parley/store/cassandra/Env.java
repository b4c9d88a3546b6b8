package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

/** What every part of the store shares: the session (through {@link Cql}) and the prepared statements. */
final class Env {
    final Cql cql;
    final Statements st;

    Env(Cql cql, Statements st) {
        this.cql = cql;
        this.st = st;
    }

    /** A statement at the session's consistency: QUORUM (LOCAL_QUORUM) for reads and plain writes. */
    BoundStatement bind(PreparedStatement ps, Object... values) {
        return ps.bind(values);
    }

    /** A read at SERIAL (LOCAL_SERIAL): sees, and first completes, every in-progress Paxos round. */
    BoundStatement serial(PreparedStatement ps, Object... values) {
        return ps.bind(values).setConsistencyLevel(cql.serial());
    }
}
