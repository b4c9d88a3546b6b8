/**
 * Parley's load generator: scenarios that speak the real protocol over real WebSockets and check
 * what they receive.
 *
 * <p><b>Shape.</b> {@link dev.parley.bench.BenchCommand} (picocli) parses a scenario, starts an
 * embedded server in a child JVM unless {@code --server} is given ({@link EmbeddedServer}),
 * registers the users it needs over REST ({@link Setup}), splits the work into units (a
 * connection, a pair, a group) and hands each worker a {@link WorkerSpec}. A worker runs in this
 * process or, when one process may not open enough sockets, in a child JVM of the same class path
 * ({@link WorkerMain}) that reports progress and its result as JSON lines. The coordinator
 * ({@link Coordinator}) merges progress every second, measures the server when the scenario asks
 * for it ({@link ServerProbe}), and prints the result table and JSON ({@link Report}).
 *
 * <p><b>Commands.</b> One class per scenario ({@link ConnectionsCommand}, {@link ThroughputCommand},
 * {@link LatencyCommand}, {@link FanoutCommand}, {@link OfflineCommand}) over the skeleton they share
 * ({@link ScenarioCommand}); {@link ProfileCommand} only reads a recording. The options every scenario
 * takes are picocli mixins, one per concern: {@link ServerOptions} (a given server),
 * {@link ServerLaunchOptions} (the servers the bench starts), {@link ScaleOutOptions},
 * {@link WorkerOptions} and {@link OutputOptions}; {@link MessagingOptions} are those of the
 * scenarios where senders send to receivers.
 *
 * <p><b>Clocks.</b> A message carries its send time in its body, in microseconds since a
 * process-wide monotonic base ({@link Micros}); sender and receivers of a message always live in
 * the same worker process, so latency is a difference of two readings of one clock.
 *
 * <p><b>Verification.</b> Every connection checks, per conversation, that sequence numbers arrive
 * exactly once and in order ({@link SeqVerifier}), and that inbox cursors only grow by one; at the
 * end each receiver must have every message its sender was told was durable. Anything else fails
 * the run.
 */
package dev.parley.bench;
