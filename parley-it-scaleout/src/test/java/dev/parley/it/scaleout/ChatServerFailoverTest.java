package dev.parley.it.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyClient;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.TcpProxy;
import dev.parley.testkit.Waits;
import dev.parley.testkit.contract.RecordingListener;
import dev.parley.testkit.contract.TestUsers.Device;
import dev.parley.testkit.contract.TestUsers;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A chat server dies ({@code kill -9}) while two users talk through it; they carry on from
 * another server. Real processes: the fleet's servers on Cassandra, Kafka and Redis.
 *
 * <p>Alice streams sends to Bob with up to {@value #WINDOW} in flight; once {@value #KILL_AFTER_ACKS}
 * are acknowledged, the server both are connected to is killed with SIGKILL, with sends in flight
 * (some stored and not yet answered, some not stored at all). Afterwards:
 * <ul>
 *   <li>every send ends acknowledged, and every message acknowledged before the kill keeps its id
 *       and position: nothing acknowledged is lost;</li>
 *   <li>the conversation is 1..N without gaps or repeats: in-flight sends re-sent to another server
 *       with their client message ids were stored once (answered as duplicates when the dead server
 *       had stored them);</li>
 *   <li>Bob's application saw every message exactly once, in conversation order, and Alice's
 *       messages keep the order she sent them in;</li>
 *   <li>history agrees; the killed server, restarted with the same server id, serves again and
 *       consumes its Kafka topic.</li>
 * </ul>
 * Two ways to reach another server are covered: clients behind a load balancer (one address; the
 * SDK reconnects and re-sends by itself), and an application that rebuilds its clients against
 * another server's address with the same token and cursor store and re-sends what was not
 * acknowledged with the original client message ids.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ChatServerFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int TOTAL = 400;
    private static final int KILL_AFTER_ACKS = 150;
    private static final int WINDOW = 50;

    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    private TestUsers users;
    private Path work;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        users = new TestUsers(DEPLOYMENT);
        work = Files.createTempDirectory(ScaleOutDeployment.workDir(), "failover-");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        users.close();
        DEPLOYMENT.fleet().restartDead(); // a test that failed half-way must not leave later classes a server short
    }

    @Test
    void clientsBehindALoadBalancerMoveToAnotherServerWhenTheirsIsKilled() throws Exception {
        ScaleOutFleet fleet = DEPLOYMENT.fleet();
        int victim = 0;
        List<URI> survivors = survivorsOf(fleet, victim);
        Device alice = users.newDevice("alice");
        Device bob = users.newDevice("bob");
        // Both start on the victim: the balancer has no other backend yet.
        TcpProxy lb = track(TcpProxy.start(List.of(fleet.uri(victim))));
        Stamps aStamps = new Stamps();
        Stamps bStamps = new Stamps();
        RecordingListener bEvents = bStamps.listener();
        ParleyClient a = track(client(alice, lb.uri(), CursorStore.inMemory(), aStamps.listener()));
        ParleyClient b = track(client(bob, lb.uri(), CursorStore.inMemory(), bEvents));
        join(a.connect());
        join(b.connect());
        String conv = join(a.openDirect(bob.name())).conv();

        AtomicReference<ParleyClient> sender = new AtomicReference<>(a);
        Stream stream = new Stream(conv, "lb", sender);
        stream.run(() -> {
            fleet.kill9(victim);
            lb.retarget(survivors); // the health check takes the dead server out
        });

        Map<String, Sent> all = stream.results();
        verify(stream, all, bEvents, conv, survivors.get(1), bob);
        List<URI> routed = lb.routed();
        assertThat(routed.subList(0, 2)).as("both started on the victim").containsOnly(fleet.uri(victim));
        assertThat(routed.subList(2, routed.size())).as("both reconnected through the balancer to survivors")
                .hasSizeGreaterThanOrEqualTo(2).allMatch(survivors::contains);

        long aBack = aStamps.firstConnectedAfter(stream.killedAt) - stream.killedAt;
        long bBack = bStamps.firstConnectedAfter(stream.killedAt) - stream.killedAt;
        report("behind a load balancer", stream, all, aBack, bBack);

        restartAndCheck(fleet, victim, bob, a, conv);
    }

    @Test
    void clientsRebuiltAgainstAnotherServerResumeWithTheirCursorAndClientIds() throws Exception {
        ScaleOutFleet fleet = DEPLOYMENT.fleet();
        int victim = 1;
        List<URI> survivors = survivorsOf(fleet, victim);
        Device alice = users.newDevice("alice");
        Device bob = users.newDevice("bob");
        CursorStore aCursor = CursorStore.file(work.resolve("alice.cursor"));
        CursorStore bCursor = CursorStore.file(work.resolve("bob.cursor"));
        Stamps aStamps = new Stamps();
        Stamps bStamps = new Stamps();
        RecordingListener aEvents = aStamps.listener();
        RecordingListener bEvents = bStamps.listener();
        ParleyClient a = track(client(alice, fleet.uri(victim), aCursor, aEvents));
        ParleyClient b = track(client(bob, fleet.uri(victim), bCursor, bEvents));
        join(a.connect());
        join(b.connect());
        String conv = join(a.openDirect(bob.name())).conv();

        AtomicReference<ParleyClient> sender = new AtomicReference<>(a);
        long[] noticed = new long[2];
        long[] back = new long[2];
        Stream stream = new Stream(conv, "rebuilt", sender);
        stream.run(() -> {
            long killed = stream.killedAt; // taken just before the kill: clients may notice before kill9 returns
            fleet.kill9(victim);
            // The applications notice that their connection is gone ...
            Awaitility.await().atMost(WAIT).until(() -> aStamps.firstDisconnectedAfter(killed) > 0
                    && bStamps.firstDisconnectedAfter(killed) > 0);
            noticed[0] = aStamps.firstDisconnectedAfter(killed) - killed;
            noticed[1] = bStamps.firstDisconnectedAfter(killed) - killed;
            // ... give up on that server, and build new clients against others, with the same token,
            // cursor store and listener.
            a.close();
            b.close();
            stream.awaitAllDone();
            ParleyClient a2 = track(client(alice, survivors.get(0), aCursor, aEvents));
            ParleyClient b2 = track(client(bob, survivors.get(1), bCursor, bEvents));
            join(a2.connect());
            join(b2.connect());
            back[0] = System.nanoTime() - killed;
            back[1] = back[0];
            // What the old client had not got an answer for is sent again, in order, with its id.
            stream.resendUnacknowledged(a2);
            sender.set(a2);
        });

        Map<String, Sent> all = stream.results();
        verify(stream, all, bEvents, conv, survivors.get(0), bob);
        assertThat(stream.resent).as("the kill came with sends in flight, re-sent on the new client").isPositive();
        System.out.printf("failover (rebuilt clients): the applications noticed the dead connection after %d / %d ms%n",
                noticed[0] / 1_000_000, noticed[1] / 1_000_000);
        report("rebuilt against another server", stream, all, back[0], back[1]);

        restartAndCheck(fleet, victim, bob, sender.get(), conv);
    }

    // ---- the stream of sends ------------------------------------------------------------------

    /** Something that runs once, mid-stream, and may fail. */
    private interface Kill {
        void run() throws Exception;
    }

    /**
     * Alice's stream: {@value #TOTAL} sends with client ids {@code <prefix>-<i>} and at most
     * {@value #WINDOW} unanswered; the kill runs once {@value #KILL_AFTER_ACKS} are acknowledged.
     * Only the test thread sends; callbacks only record.
     */
    private final class Stream {
        final String conv;
        final String prefix;
        final AtomicReference<ParleyClient> sender;
        final Semaphore window = new Semaphore(WINDOW);
        final Map<String, CompletableFuture<Sent>> sends = new LinkedHashMap<>();
        final Set<String> ackedBeforeKill = ConcurrentHashMap.newKeySet();
        final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        volatile long killedAt;
        volatile boolean killed;
        final List<String> inFlightAtKill = new ArrayList<>();
        int resent;

        Stream(String conv, String prefix, AtomicReference<ParleyClient> sender) {
            this.conv = conv;
            this.prefix = prefix;
            this.sender = sender;
        }

        void run(Kill kill) throws Exception {
            for (int i = 0; i < TOTAL; i++) {
                assertThat(window.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("a send was answered within %s; server logs:%n%s", WAIT, DEPLOYMENT.fleet().logTails()).isTrue();
                send(i);
                if (!killed && ackedBeforeKill.size() >= KILL_AFTER_ACKS) {
                    // Fill the window at once: the kill then meets a burst of sends, some stored and
                    // not yet answered, some still on the wire or queued in the server.
                    while (i + 1 < TOTAL && window.tryAcquire()) {
                        send(++i);
                    }
                    sends.forEach((c, s) -> {
                        if (!s.isDone()) {
                            inFlightAtKill.add(c);
                        }
                    });
                    killedAt = System.nanoTime();
                    killed = true;
                    kill.run();
                }
            }
            assertThat(killed).as("the server was killed mid-stream").isTrue();
        }

        private void send(int i) {
            String cmid = cmid(i);
            CompletableFuture<Sent> f = sender.get().send(conv, body(cmid), null, cmid);
            sends.put(cmid, f);
            watch(cmid, f, true);
        }

        private void watch(String cmid, CompletableFuture<Sent> f, boolean windowed) {
            f.whenComplete((s, e) -> {
                if (s != null) {
                    ackedAt.put(cmid, System.nanoTime());
                    if (!killed) {
                        ackedBeforeKill.add(cmid);
                    }
                }
                if (windowed) {
                    window.release();
                }
            });
        }

        /** Waits until every send issued so far is answered or failed (a closed client fails its pending ones). */
        void awaitAllDone() {
            Awaitility.await().atMost(WAIT).until(() -> sends.values().stream().allMatch(CompletableFuture::isDone));
        }

        /** Sends again, on {@code client}, every send that failed, in the original order and with its client id. */
        void resendUnacknowledged(ParleyClient client) {
            for (Map.Entry<String, CompletableFuture<Sent>> e : sends.entrySet()) {
                if (e.getValue().isCompletedExceptionally()) {
                    CompletableFuture<Sent> again = client.send(conv, body(e.getKey()), null, e.getKey());
                    e.setValue(again);
                    watch(e.getKey(), again, false);
                    resent++;
                }
            }
        }

        /** Every send's answer, in the order the sends were issued; fails if one is not acknowledged. */
        Map<String, Sent> results() {
            Map<String, Sent> out = new LinkedHashMap<>();
            for (Map.Entry<String, CompletableFuture<Sent>> e : sends.entrySet()) {
                out.put(e.getKey(), join(e.getValue()));
            }
            return out;
        }

        String cmid(int i) {
            return prefix + "-" + i;
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    private void verify(Stream stream, Map<String, Sent> all, RecordingListener bEvents, String conv, URI historyServer,
                        Device bob) {
        assertThat(stream.inFlightAtKill).as("the kill came with sends in flight").isNotEmpty();
        assertThat(all).as("every send was acknowledged in the end").hasSize(TOTAL);
        for (String cmid : stream.ackedBeforeKill) {
            assertThat(all.get(cmid).duplicate()).as("%s was acknowledged before the kill, as new", cmid).isFalse();
        }
        Map<Long, String> cmidBySeq = new HashMap<>();
        for (Map.Entry<String, Sent> e : all.entrySet()) {
            assertThat(cmidBySeq.put(e.getValue().seq(), e.getKey())).as("seq %s given to one message only",
                    e.getValue().seq()).isNull();
        }
        assertThat(cmidBySeq.keySet()).as("1..%s without gaps", TOTAL).containsExactlyInAnyOrderElementsOf(Waits.range(1, TOTAL));
        assertThat(all.values()).extracting(Sent::seq).as("Alice's messages keep the order she sent them in")
                .containsExactlyElementsOf(Waits.range(1, TOTAL));

        // Sentinel: one more message, sent after every send of the stream was answered. Bob's inbox is
        // in cursor order, so anything repeated for those sends reaches him before it.
        Sent sentinel = join(stream.sender.get().send(conv, "sentinel"));
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(bEvents.messages(conv)).extracting(MessageView::msgId).contains(sentinel.msgId()));
        List<MessageView> received = bEvents.messages(conv);
        List<MessageView> got = received.subList(0, received.stream().map(MessageView::msgId).toList()
                .indexOf(sentinel.msgId()));
        assertThat(got).extracting(MessageView::seq).as("Bob saw every message once, in conversation order")
                .containsExactlyElementsOf(Waits.range(1, TOTAL));
        for (MessageView m : got) {
            Sent s = all.get(m.clientMsgId());
            assertThat(s).as("message %s carries a client id Alice sent", m.seq()).isNotNull();
            assertThat(m.msgId()).isEqualTo(s.msgId());
            assertThat(m.seq()).isEqualTo(s.seq());
            assertThat(m.body()).isEqualTo(body(m.clientMsgId()));
        }
        List<String> history = History.messageIds(historyServer, bob.token(), conv, WAIT);
        assertThat(history).as("history on another server agrees")
                .containsExactlyElementsOf(received.stream().map(MessageView::msgId).toList());
    }

    /**
     * Restarts the killed server with the same id, and checks it serves again: a new device of Bob
     * on it gets a message Alice sends from another server, and the restarted server consumes its
     * Kafka topic again (static membership lets it take its partition back at once).
     */
    private void restartAndCheck(ScaleOutFleet fleet, int victim, Device bob, ParleyClient alice, String conv)
            throws Exception {
        Duration took = fleet.restart(victim);
        URI restarted = fleet.uri(victim);
        Device bobThere = users.login(bob.user(), restarted);
        RecordingListener events = new RecordingListener();
        ParleyClient b3 = track(client(bobThere, restarted, CursorStore.inMemory(), events));
        join(b3.connect());
        double before = ServerMetrics.sum(fleet.adminUri(victim), "parley_routing_kafka_received_total", "kind", "ephemeral");
        Sent s = join(alice.send(conv, "after the restart"));
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(events.messages(conv))
                .extracting(MessageView::msgId).contains(s.msgId()));
        // Inbox announcements may not cross Kafka (the projection writer of Bob's inbox may run on
        // the restarted server itself); a typing indicator from Alice's server always does.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            join(alice.typing(conv, true));
            assertThat(ServerMetrics.sum(fleet.adminUri(victim), "parley_routing_kafka_received_total", "kind", "ephemeral"))
                    .as("the restarted server consumes its topic").isGreaterThan(before);
        });
        System.out.printf("failover: %s restarted with the same id in %d ms and serves again%n",
                ScaleOutFleet.serverId(victim), took.toMillis());
    }

    private static void report(String how, Stream stream, Map<String, Sent> all, long aBackNanos, long bBackNanos) {
        long lastInFlightAcked = stream.inFlightAtKill.stream().mapToLong(c -> stream.ackedAt.get(c) - stream.killedAt)
                .max().orElse(-1);
        long firstInFlightAcked = stream.inFlightAtKill.stream().mapToLong(c -> stream.ackedAt.get(c) - stream.killedAt)
                .min().orElse(-1);
        long duplicates = all.values().stream().filter(Sent::duplicate).count();
        System.out.printf("failover (%s): %d sends, %d acknowledged before the kill, %d in flight at the kill "
                        + "(%d of them already stored: answered as duplicates); sender back after %d ms, "
                        + "receiver after %d ms; the sends in flight at the kill acknowledged %d to %d ms after it%n",
                how, all.size(), stream.ackedBeforeKill.size(), stream.inFlightAtKill.size(), duplicates,
                aBackNanos / 1_000_000, bBackNanos / 1_000_000, firstInFlightAcked / 1_000_000,
                lastInFlightAcked / 1_000_000);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Records when the client connected and disconnected. */
    private static final class Stamps {
        final List<Long> connected = new CopyOnWriteArrayList<>();
        final List<Long> disconnected = new CopyOnWriteArrayList<>();

        RecordingListener listener() {
            return new RecordingListener().onEvent(e -> {
                if (e instanceof RecordingListener.Connected) {
                    connected.add(System.nanoTime());
                } else if (e instanceof RecordingListener.Disconnected) {
                    disconnected.add(System.nanoTime());
                }
            });
        }

        long firstConnectedAfter(long t) {
            return connected.stream().filter(x -> x > t).findFirst().orElse(0L);
        }

        long firstDisconnectedAfter(long t) {
            return disconnected.stream().filter(x -> x > t).findFirst().orElse(0L);
        }
    }

    private ParleyClient client(Device device, URI server, CursorStore cursors, RecordingListener listener) {
        return users.builder(device, server)
                .cursorStore(cursors)
                .listener(listener)
                .sendRetry(1_000, Duration.ofMinutes(3))
                .build();
    }

    private static List<URI> survivorsOf(ScaleOutFleet fleet, int victim) {
        return IntStream.range(0, ScaleOutFleet.SIZE).filter(i -> i != victim).mapToObj(fleet::uri).toList();
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static String body(String cmid) {
        return "message " + cmid;
    }

    private static <T> T join(CompletableFuture<T> f) {
        return Waits.join(f, WAIT);
    }
}
