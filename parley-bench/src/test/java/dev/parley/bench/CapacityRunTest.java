package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces of a capacity run ({@code connections --pairs}) that can be checked without
 * servers: which connections talk and where they go, how the rate is shared between workers,
 * the barriers that keep workers holding together, and what the cluster probe reads.
 */
class CapacityRunTest {

    @Test
    void pairsComeFirstWithUsersOfTheirOwnAndSitOnDifferentServers() {
        List<List<String>> units = ConnectionsCommand.units("bx", 20, 3, 4);
        assertThat(units).hasSize(4 + 12);
        List<String> flat = new ArrayList<>();
        units.forEach(flat::addAll);
        assertThat(flat).hasSize(20);
        for (int i = 0; i < 4; i++) {
            List<String> pair = units.get(i);
            assertThat(pair).hasSize(2);
            assertThat(pair.get(0)).isNotEqualTo(pair.get(1));
            // Connection i goes to server i mod N: the two sides of a pair are adjacent, so for every
            // N >= 2 they are on different servers.
            int at = flat.indexOf(pair.get(0));
            assertThat(flat.get(at + 1)).isEqualTo(pair.get(1));
            for (int n = 2; n <= 8; n++) {
                assertThat(at % n).isNotEqualTo((at + 1) % n);
            }
        }
        List<String> talkers = flat.subList(0, 8);
        List<String> idle = flat.subList(8, 20);
        assertThat(talkers).doesNotHaveDuplicates();
        assertThat(idle).doesNotContainAnyElementsOf(talkers);
        // 12 idle connections over 3 users: 4 devices each.
        assertThat(idle.stream().distinct().count()).isEqualTo(3);
        assertThat(idle.stream().filter(idle.get(0)::equals).count()).isEqualTo(4);
    }

    @Test
    void withoutPairsEveryConnectionIdlesAsBefore() {
        List<List<String>> units = ConnectionsCommand.units("bx", 5, 0, 0);
        assertThat(units).hasSize(5).allSatisfy(u -> assertThat(u).hasSize(1));
        assertThat(units.stream().map(u -> u.get(0)).distinct().count()).isEqualTo(5);
    }

    @Test
    void theRateGoesToTheWorkersThatHaveTalkingPairs() {
        ConnectionsCommand cmd = new ConnectionsCommand();
        cmd.workers = new WorkerOptions();
        cmd.workers.perWorker = 10;
        cmd.workers.connectConcurrency = 100;
        cmd.workers.ioThreads = 1;
        cmd.workers.sourceAddresses = true;
        cmd.connections = 30;
        cmd.pairs = 3;
        cmd.rate = 60;
        cmd.duration = 10;
        cmd.warmup = 2;
        cmd.size = 100;
        cmd.window = 50;
        cmd.drainTimeout = 30;
        assertThat(cmd.validate()).isNull();
        List<List<String>> names = cmd.units("bx");
        List<List<Cred>> units = new ArrayList<>();
        int index = 0;
        for (List<String> u : names) {
            List<Cred> creds = new ArrayList<>();
            for (String name : u) {
                creds.add(new Cred(name, "t" + index, index++));
            }
            units.add(creds);
        }
        List<WorkerSpec> specs = cmd.partition(units, 30, List.of("ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws"));
        assertThat(specs).hasSize(3);
        assertThat(specs.stream().mapToInt(WorkerSpec::connections).sum()).isEqualTo(30);
        assertThat(specs.stream().mapToDouble(s -> s.params().ratePerSec()).sum()).isEqualTo(60.0);
        // The three pairs are the first six connections: all in worker 0, which gets the whole rate.
        assertThat(specs.get(0).params().ratePerSec()).isEqualTo(60.0);
        assertThat(specs.get(1).params().ratePerSec()).isZero();
        assertThat(specs.get(0).params().senderSync()).isTrue();
        assertThat(specs.get(0).params().warmupSec()).isEqualTo(2);
    }

    @Test
    void optionsThatDoNotFitAreRefused() {
        ConnectionsCommand cmd = new ConnectionsCommand();
        cmd.connections = 10;
        cmd.duration = 10;
        cmd.size = 100;
        cmd.window = 10;
        cmd.drainTimeout = 10;
        cmd.pairs = 6;
        cmd.rate = 1;
        assertThat(cmd.validate()).contains("--pairs");
        cmd.pairs = 2;
        cmd.rate = 0;
        assertThat(cmd.validate()).contains("--rate");
        cmd.rate = 5;
        cmd.users = 7;
        assertThat(cmd.validate()).contains("--users");
        cmd.users = 6;
        assertThat(cmd.validate()).isNull();
    }

    @Test
    void aBarrierIsReleasedOnceEveryWorkerHasArrivedOrFinished(@TempDir Path dir) {
        WorkerSpec.Params p = new WorkerSpec.Params(1, 0, 1, 0, 1, 0, 0, 1, 1, false, false);
        List<WorkerSpec> specs = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            specs.add(new WorkerSpec("connections", w, List.of("ws://127.0.0.1:1/ws"), 1, List.of(), p));
        }
        Coordinator co = new Coordinator("connections", specs, false, List.of(), dir, new PrintStream(PrintStream.nullOutputStream()));
        List<String> released = new CopyOnWriteArrayList<>();
        for (int w = 0; w < 3; w++) {
            int worker = w;
            co.releaser(w, name -> released.add(worker + ":" + name));
        }
        co.accept(event(WorkerEvent.BARRIER, 0, "holding"));
        co.accept(event("progress", 1, "connecting"));
        co.accept(event(WorkerEvent.BARRIER, 1, "holding"));
        assertThat(released).isEmpty();
        // Worker 2 ended early (it failed): it must not keep the others waiting.
        co.accept(new WorkerEvent("result", 2, "done", Map.of(), Map.of(), Verification.EMPTY, Map.of(), "epoll"));
        assertThat(released).containsExactlyInAnyOrder("0:holding", "1:holding", "2:holding");
        // Released once only.
        co.accept(event(WorkerEvent.BARRIER, 0, "holding"));
        assertThat(released).hasSize(3);
    }

    @Test
    void theHookOfABarrierRunsBeforeTheWorkersAreReleased(@TempDir Path dir) throws Exception {
        WorkerSpec.Params p = new WorkerSpec.Params(1, 0, 1, 0, 1, 0, 0, 1, 1, false, false);
        List<WorkerSpec> specs = List.of(
                new WorkerSpec("connections", 0, List.of("ws://127.0.0.1:1/ws"), 1, List.of(), p),
                new WorkerSpec("connections", 1, List.of("ws://127.0.0.1:1/ws"), 1, List.of(), p));
        Coordinator co = new Coordinator("connections", specs, false, List.of(), dir, new PrintStream(PrintStream.nullOutputStream()));
        List<String> order = new CopyOnWriteArrayList<>();
        co.releaser(0, name -> order.add("release 0"));
        co.releaser(1, name -> order.add("release 1"));
        co.onPhase("holding", () -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add("hook");
        });
        co.accept(event(WorkerEvent.BARRIER, 0, "holding"));
        co.accept(event("progress", 0, "holding"));
        co.accept(event(WorkerEvent.BARRIER, 1, "holding"));
        co.accept(event("progress", 1, "holding"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (order.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(order).hasSize(3);
        assertThat(order.get(0)).isEqualTo("hook");
    }

    private static WorkerEvent event(String kind, int worker, String phase) {
        return new WorkerEvent(kind, worker, phase, Map.of(), Map.of(), null, null, null);
    }

    @Test
    void aWorkerWaitsAtItsBarrierUntilReleasedAndGivesUpAfterTheTimeout() throws Exception {
        WorkerSpec.Params p = new WorkerSpec.Params(1, 0, 1, 0, 1, 0, 0, 1, 1, false, false);
        WorkerSpec spec = new WorkerSpec("connections", 0, List.of("ws://127.0.0.1:1/ws"), 1, List.of(), p);
        List<WorkerEvent> events = new CopyOnWriteArrayList<>();
        Runner runner = new Runner(spec, events::add) {
            @Override
            protected Verification scenario() {
                return Verification.EMPTY;
            }
        };
        AtomicBoolean passed = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                passed.set(runner.barrier("holding", 30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        });
        t.start();
        while (events.isEmpty()) {
            Thread.sleep(5);
        }
        assertThat(events.get(0).kind()).isEqualTo(WorkerEvent.BARRIER);
        assertThat(events.get(0).phase()).isEqualTo("holding");
        assertThat(done.await(200, TimeUnit.MILLISECONDS)).isFalse();
        runner.release("holding");
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(passed).isTrue();

        long start = System.nanoTime();
        assertThat(runner.barrier("closing", 1)).isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
    }

    @Test
    void theProbeReadsTheConnectionGaugeAndCpuShares() {
        String page = """
                # HELP parley_ws_connections open WebSocket connections
                # TYPE parley_ws_connections gauge
                parley_ws_connections_total 5.0
                parley_ws_connections 16667.0
                """;
        assertThat(ClusterProbe.gauge(page, "parley_ws_connections")).isEqualTo(16667);
        assertThat(ClusterProbe.gauge(page, "parley_missing")).isEqualTo(-1);
        List<ClusterProbe.ProcessSample> a = List.of(new ClusterProbe.ProcessSample("bench-1", 1, 10.0, 1),
                new ClusterProbe.ProcessSample("cassandra", 2, 100.0, 1));
        List<ClusterProbe.ProcessSample> b = List.of(new ClusterProbe.ProcessSample("bench-1", 1, 15.0, 1),
                new ClusterProbe.ProcessSample("cassandra", 2, 160.0, 1));
        Map<String, Double> cpu = ClusterProbe.cpuPercent(a, b, 100);
        assertThat(cpu).containsEntry("bench-1", 5.0).containsEntry("cassandra", 60.0);
    }


    @Test
    void connectingGivesUpWhenNothingCompletesForTheStallTimeNotTheCap() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // Accepts TCP and never answers the upgrade: no connection ever completes.
            List<java.net.Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            WorkerSpec.Params p = new WorkerSpec.Params(1, 0, 1, 0, 1, 0, 0, 10, 1, false, false);
            List<List<Cred>> units = List.of(List.of(new Cred("a", "t0", 0)), List.of(new Cred("b", "t1", 1)));
            WorkerSpec spec = new WorkerSpec("connections", 0, List.of("ws://127.0.0.1:" + silent.getLocalPort() + "/ws"),
                    1, units, p);
            boolean[] connected = new boolean[1];
            long[] took = new long[1];
            Runner runner = new Runner(spec, e -> { }) {
                @Override
                protected Verification scenario() throws Exception {
                    List<Conn> conns = List.of(new Conn(units.get(0).get(0), this), new Conn(units.get(1).get(0), this));
                    long start = System.nanoTime();
                    connected[0] = connectAll(conns, 1, 60);
                    took[0] = System.nanoTime() - start;
                    return Verification.EMPTY;
                }
            };
            WorkerEvent result = runner.run();
            assertThat(connected[0]).isFalse();
            assertThat(took[0]).isLessThan(TimeUnit.SECONDS.toNanos(20));
            assertThat(result.counters()).containsEntry(Runner.FAILED, 2L);
            assertThat(result.problems()).containsKey("connect: no connection completed for 1 s");
            for (java.net.Socket s : accepted) {
                s.close();
            }
        }
    }
}
