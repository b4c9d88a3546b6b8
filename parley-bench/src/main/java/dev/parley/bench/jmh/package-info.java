/**
 * JMH micro-benchmarks of the hot paths: the frame codec ({@link dev.parley.bench.jmh.CodecBench}),
 * the store's append and group commit ({@link dev.parley.bench.jmh.StoreAppendBench}) and the
 * fan-out of one message into many inboxes ({@link dev.parley.bench.jmh.FanoutBench}).
 *
 * <p>Run them with {@code java -cp parley-bench/target/parley-bench-0.1.0-SNAPSHOT.jar
 * org.openjdk.jmh.Main [regexp] [JMH options]}; see docs/BENCHMARKS.md.
 */
package dev.parley.bench.jmh;
