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
 * Fan-out on write: one group message appended to the conversation log and to the inbox of
 * every member, atomically. With fsync off, so that the figure is the CPU and write cost of the
 * fan-out rather than the disk's sync latency. Reported per message (multiply by members - 1
 * for deliveries).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class FanoutBench {
    @Param({"100"})
    public int members;

    private StoreState state;

    @Setup(Level.Trial)
    public void open() throws Exception {
        state = new StoreState(RocksDbStore.FsyncPolicy.NEVER, members);
    }

    @TearDown(Level.Trial)
    public void close() {
        state.close();
    }

    /** One group message at a time. */
    @Benchmark
    public void appendOne() throws Exception {
        state.append(1);
    }

    /** 64 group messages in flight (group commit). */
    @Benchmark
    @OperationsPerInvocation(64)
    public void appendBatch64() throws Exception {
        state.append(64);
    }
}
