package dev.parley.bench.jmh;

import dev.parley.store.rocksdb.RocksDbStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The embedded store's write path for a 1:1 message (log entry, idempotency key, two inbox
 * entries): one append waited for alone (a commit per message) against 256 appends in flight
 * together (group commit), with and without fsync. Reported per message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreAppendBench {
    @Param({"NEVER", "ALWAYS"})
    public RocksDbStore.FsyncPolicy fsync;

    private StoreState state;

    @Setup(Level.Trial)
    public void open() throws Exception {
        state = new StoreState(fsync, 2);
    }

    @TearDown(Level.Trial)
    public void close() {
        state.close();
    }

    /** One message at a time: each waits for its own commit (and sync). */
    @Benchmark
    public void appendOne() throws Exception {
        state.append(1);
    }

    /** 256 messages in flight: the committer writes (and syncs) them as a few batches. */
    @Benchmark
    @OperationsPerInvocation(256)
    public void appendBatch256() throws Exception {
        state.append(256);
    }
}
