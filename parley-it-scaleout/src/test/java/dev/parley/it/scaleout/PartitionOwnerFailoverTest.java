package dev.parley.it.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyClient;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.Waits;
import dev.parley.testkit.contract.RecordingListener;
import dev.parley.testkit.contract.TestUsers;
import dev.parley.testkit.contract.TestUsers.Device;
import dev.parley.testkit.contract.TestUsers.User;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The single writer of a conversation (the chat server whose Kafka Streams instance owns the
 * conversation's partition of {@code <prefix>log.commands}) dies or pauses under traffic, while
 * the two users talk through the other two servers. Real processes: the fleet's servers on
 * Cassandra, Kafka and Redis.
 *
 * <p>The owner is read from Kafka: the partition is the default partitioner's for the
 * conversation id, and the owner is the member of the Streams application's consumer group whose
 * assignment holds it (its client id names the server). Alice streams sends to Bob with up to
 * {@value #WINDOW} in flight; once {@value #DISRUPT_AFTER_ACKS} are acknowledged, the owner is
 * <ul>
 *   <li>killed with SIGKILL: its partitions move after the session timeout, and its open
 *       transaction is aborted after the transaction timeout; or</li>
 *   <li>paused with SIGSTOP until another server owns the partition (and at least twice the
 *       session timeout), then resumed with SIGCONT: a zombie that still believes it owns the
 *       partition, with decisions taken before the pause that it may try to commit or project.</li>
 * </ul>
 * Either way, afterwards: every send is acknowledged once (retries with the same client message id
 * are answered with the first sequence number), the conversation is 1..N without gaps or repeats
 * in the order Alice sent, Bob's application saw every message once in order, and history agrees
 * on every live server.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PartitionOwnerFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** Bounds the kill or the pause-and-resume, which runs beside the stream of sends. */
    private static final Duration DISRUPTION_WAIT = Duration.ofMinutes(3);
    private static final int WINDOW = 50;
    private static final int DISRUPT_AFTER_ACKS = 100;
    /** The kill test: this many sends in all. */
    private static final int KILL_TOTAL = 300;
    /** The pause test: at least this many sends, and more while the pause and the time after it last ... */
    private static final int PAUSE_MIN_SENDS = 300;
    /** ... but never more than this. */
    private static final int PAUSE_MAX_SENDS = 2_000;
    /** The pause test sends at most one message per this long, so that traffic spans the whole pause. */
    private static final Duration PAUSE_PACE = Duration.ofMillis(20);
    /** Sends go on this long after the paused owner is resumed. */
    private static final Duration AFTER_RESUME = Duration.ofSeconds(5);
    private static final Duration SESSION_TIMEOUT = Duration.ofMillis(ScaleOutFleet.LOG_SESSION_TIMEOUT_MS);

    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    private TestUsers users;
    private Admin admin;
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Processes this test paused and has not resumed yet: tearDown resumes them whatever happened. */
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void setUp() {
        users = new TestUsers(DEPLOYMENT);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DEPLOYMENT.fleet().services().kafkaBootstrap());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, DEPLOYMENT.fleet().topicPrefix() + "it-owner-probe");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        admin = Admin.create(p);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Long pid : List.copyOf(paused)) {
            try {
                signal("CONT", pid);
            } catch (IOException | AssertionError e) {
                System.out.printf("could not resume pid %d: %s%n", pid, e);
            }
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        users.close();
        admin.close(Duration.ofSeconds(5));
        DEPLOYMENT.fleet().restartDead(); // a test that failed half-way must not leave later classes a server short
    }

    @Test
    void killingTheOwnerOfAConversationsPartitionUnderTrafficLosesNothing() throws Exception {
        ScaleOutFleet fleet = DEPLOYMENT.fleet();
        Talk talk = talk(fleet);
        long offsetBefore = endOffset(talk.partition);

        Moved[] moved = new Moved[1];
        Stream stream = new Stream(talk.conv, "kill", talk.alice);
        stream.run(KILL_TOTAL, KILL_TOTAL, Duration.ZERO, () -> stillOwner(talk), () -> {
            fleet.kill9(talk.owner);
            moved[0] = awaitMoved(talk, stream.disruptedAt);
        });

        Map<String, Sent> all = stream.results();
        verify(stream, all, KILL_TOTAL, talk, List.of(fleet.uri(talk.aliceServer), fleet.uri(talk.bobServer)));
        assertThat(endOffset(talk.partition) - offsetBefore).as("the sends went to %s", talk.partition)
                .isGreaterThanOrEqualTo(KILL_TOTAL);
        System.out.printf("partition owner killed: %s owned %s, which moved to %s %d ms after the kill; %s%n",
                talk.ownerId(), talk.partition, ScaleOutFleet.serverId(moved[0].to()),
                (moved[0].at() - stream.disruptedAt) / 1_000_000, stream.report(all));

        Duration took = fleet.restart(talk.owner);
        long rejoined = awaitEveryServerOwnsPartitions(System.nanoTime());
        System.out.printf("partition owner killed: %s restarted in %d ms, owns log partitions again %d ms later%n",
                talk.ownerId(), took.toMillis(), rejoined / 1_000_000);
    }

    @Test
    void aPausedOwnerThatComesBackChangesNothing() throws Exception {
        ScaleOutFleet fleet = DEPLOYMENT.fleet();
        Talk talk = talk(fleet);
        long offsetBefore = endOffset(talk.partition);
        long pid = fleet.process(talk.owner).pid();
        Moved[] moved = new Moved[1];
        long[] resumedAt = new long[1];

        Stream stream = new Stream(talk.conv, "pause", talk.alice);
        stream.run(PAUSE_MIN_SENDS, PAUSE_MAX_SENDS, PAUSE_PACE, () -> stillOwner(talk), () -> {
            long stoppedAt = System.nanoTime();
            paused.add(pid);
            try {
                signal("STOP", pid);
                moved[0] = awaitMoved(talk, stoppedAt);
                // Stay paused at least twice the session timeout (the transaction timeout is as long), so
                // that the zombie's open transaction has timed out too when it wakes up.
                long minPause = stoppedAt + SESSION_TIMEOUT.multipliedBy(2).toNanos();
                long now = System.nanoTime();
                if (minPause - now > 0) {
                    Waits.sleep(Duration.ofNanos(minPause - now));
                }
            } finally {
                signal("CONT", pid);
                paused.remove(pid);
                resumedAt[0] = System.nanoTime();
            }
            Waits.sleep(AFTER_RESUME);
        });

        Map<String, Sent> all = stream.results();
        int total = all.size();
        List<URI> everyServer = fleet.uris();
        verify(stream, all, total, talk, everyServer);
        assertThat(fleet.process(talk.owner).isAlive()).as("the resumed owner still runs").isTrue();
        assertThat(endOffset(talk.partition) - offsetBefore).as("the sends went to %s", talk.partition)
                .isGreaterThanOrEqualTo(total);
        long sentAfterResume = stream.sentAt.values().stream().filter(t -> t > resumedAt[0]).count();
        assertThat(sentAfterResume).as("traffic went on after the owner was resumed").isPositive();
        long rejoined = awaitEveryServerOwnsPartitions(resumedAt[0]);

        // Whatever the zombie still had to say has been said by now: nothing changed, Bob has 1 .. total and
        // the sentinel verify sent. A fixed wait on purpose: what a fenced process does when it wakes is
        // ordered before nothing a test can send.
        Waits.sleep(Duration.ofSeconds(2));
        assertThat(talk.bobEvents.messages(talk.conv)).extracting(MessageView::seq)
                .as("Bob saw nothing more after the zombie came back").containsExactlyElementsOf(Waits.range(1, total + 1));
        List<String> expected = talk.bobEvents.messages(talk.conv).stream().map(MessageView::msgId).toList();
        for (URI server : everyServer) {
            assertThat(History.messageIds(server, talk.bob.token(), talk.conv, WAIT))
                    .as("history on %s, after the zombie came back", server)
                    .containsExactlyElementsOf(expected);
        }
        System.out.printf("partition owner paused: %s owned %s, paused %d ms; the partition moved to %s %d ms after "
                        + "SIGSTOP; %d sends after SIGCONT; the zombie owned log partitions again %d ms after SIGCONT; "
                        + "%s%n",
                talk.ownerId(), talk.partition, (resumedAt[0] - stream.disruptedAt) / 1_000_000,
                ScaleOutFleet.serverId(moved[0].to()), (moved[0].at() - stream.disruptedAt) / 1_000_000,
                sentAfterResume, rejoined / 1_000_000, stream.report(all));
    }

    // ---- the conversation and its owner ---------------------------------------------------------

    /** Alice and Bob, each on a server that does not own their conversation's partition of the log. */
    private record Talk(String conv, TopicPartition partition, int owner, int aliceServer, int bobServer,
                        ParleyClient alice, Device bob, RecordingListener bobEvents) {
        String ownerId() {
            return ScaleOutFleet.serverId(owner);
        }
    }

    private Talk talk(ScaleOutFleet fleet) {
        awaitEveryServerOwnsPartitions(System.nanoTime()); // a stable group, so the owner found stays the owner
        User aliceUser = users.register("alice");
        User bobUser = users.register("bob");
        Device alice = users.login(aliceUser, fleet.uri(0));
        // Open the conversation first, to learn its id and so its owner; the users then connect elsewhere.
        String conv;
        try (ParleyClient opener = client(alice, fleet.uri(0), new RecordingListener())) {
            join(opener.connect());
            conv = join(opener.openDirect(bobUser.name())).conv();
        }
        TopicPartition partition = new TopicPartition(commandsTopic(), partitionOf(conv));
        int owner = awaitOwner(partition);
        int[] others = IntStream.range(0, ScaleOutFleet.SIZE).filter(i -> i != owner).toArray();
        Device bob = users.login(bobUser, fleet.uri(others[1]));
        RecordingListener bobEvents = new RecordingListener();
        ParleyClient b = track(client(bob, fleet.uri(others[1]), bobEvents));
        ParleyClient a = track(client(alice, fleet.uri(others[0]), new RecordingListener()));
        join(b.connect());
        join(a.connect());
        System.out.printf("partition owner: conversation %s is in %s, owned by %s; Alice on %s, Bob on %s%n", conv,
                partition, ScaleOutFleet.serverId(owner), ScaleOutFleet.serverId(others[0]),
                ScaleOutFleet.serverId(others[1]));
        return new Talk(conv, partition, owner, others[0], others[1], a, bob, bobEvents);
    }

    private static String applicationId() {
        return DEPLOYMENT.fleet().topicPrefix() + "log";
    }

    private static String commandsTopic() {
        return DEPLOYMENT.fleet().topicPrefix() + "log.commands";
    }

    /** The partition the producer's default partitioner picks for a String key. */
    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % ScaleOutFleet.LOG_PARTITIONS;
    }

    /**
     * Who owns which partition, by server index, from the Streams application's consumer group;
     * empty while the group rebalances. A member that died or paused stays listed (and keeps its
     * partitions) until its session times out.
     */
    private Map<TopicPartition, Integer> owners() {
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(applicationId())).all().get(20, TimeUnit.SECONDS)
                    .get(applicationId());
        } catch (Exception e) {
            throw new AssertionError("cannot describe the group " + applicationId() + ": " + e, e);
        }
        if (group.groupState() != GroupState.STABLE) {
            return Map.of();
        }
        Map<TopicPartition, Integer> out = new HashMap<>();
        for (MemberDescription m : group.members()) {
            int server = serverOf(m.clientId());
            for (TopicPartition tp : m.assignment().topicPartitions()) {
                out.put(tp, server);
            }
        }
        return out;
    }

    /** The server index a Streams client id names ({@code <prefix>log-streams.<serverId>-StreamThread-…}), or -1. */
    private static int serverOf(String clientId) {
        String base = DEPLOYMENT.fleet().topicPrefix() + "log-streams.";
        for (int i = 0; i < ScaleOutFleet.SIZE; i++) {
            if (clientId.startsWith(base + ScaleOutFleet.serverId(i) + "-")) {
                return i;
            }
        }
        return -1;
    }

    /** The current owner of {@code tp}, or -1 while the group rebalances. */
    private int ownerOf(TopicPartition tp) {
        return owners().getOrDefault(tp, -1);
    }

    private void stillOwner(Talk talk) {
        assertThat(awaitOwner(talk.partition)).as("%s still owns %s", talk.ownerId(), talk.partition)
                .isEqualTo(talk.owner);
    }

    private int awaitOwner(TopicPartition tp) {
        AtomicInteger owner = new AtomicInteger(-1);
        Awaitility.await("an owner of " + tp).atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            owner.set(ownerOf(tp));
            return owner.get() >= 0;
        });
        return owner.get();
    }

    /** When (nanos) a partition was seen owned by another server, and which. */
    private record Moved(long at, int to) {
    }

    /** Waits until a server other than the talk's owner owns its partition. */
    private Moved awaitMoved(Talk talk, long since) {
        AtomicInteger to = new AtomicInteger(-1);
        Awaitility.await(talk.partition + " moves away from " + talk.ownerId()).atMost(WAIT)
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    to.set(ownerOf(talk.partition));
                    return to.get() >= 0 && to.get() != talk.owner;
                });
        long at = System.nanoTime();
        assertThat(at - since).as("the partition moved no earlier than the session timeout after the owner went")
                .isGreaterThanOrEqualTo(SESSION_TIMEOUT.toNanos() / 2);
        return new Moved(at, to.get());
    }

    /**
     * Waits until the group is stable, every partition of the commands topic has an owner, and every
     * server owns some; returns how long after {@code since} that was seen (nanos).
     */
    private long awaitEveryServerOwnsPartitions(long since) {
        Awaitility.await("every server owns log partitions").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<TopicPartition, Integer> owners = owners();
                    Set<Integer> servers = new HashSet<>();
                    int commands = 0;
                    for (Map.Entry<TopicPartition, Integer> e : owners.entrySet()) {
                        if (e.getKey().topic().equals(commandsTopic())) {
                            commands++;
                        }
                        servers.add(e.getValue());
                    }
                    return commands == ScaleOutFleet.LOG_PARTITIONS
                            && servers.containsAll(IntStream.range(0, ScaleOutFleet.SIZE).boxed().toList());
                });
        return System.nanoTime() - since;
    }

    private long endOffset(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(20, TimeUnit.SECONDS).offset();
    }

    /** Sends SIGSTOP or SIGCONT to a process this test's fleet started. */
    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s %d returned", signal, pid).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", signal, pid).isZero();
    }

    // ---- the stream of sends ------------------------------------------------------------------

    /** A step of the test that may fail: a check before the disruption, or the disruption itself. */
    private interface Step {
        void run() throws Exception;
    }

    /**
     * Alice's stream: sends with client ids {@code <prefix>-<i>} and at most {@value #WINDOW}
     * unanswered; once {@value #DISRUPT_AFTER_ACKS} are acknowledged, a check runs, the window is
     * filled at once, and the disruption starts on another thread while the sends go on. Only the test thread sends;
     * callbacks only record.
     */
    private static final class Stream {
        final String conv;
        final String prefix;
        final ParleyClient sender;
        final Semaphore window = new Semaphore(WINDOW);
        final Map<String, CompletableFuture<Sent>> sends = new LinkedHashMap<>();
        final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        final Set<String> ackedBeforeDisruption = ConcurrentHashMap.newKeySet();
        final AtomicInteger acked = new AtomicInteger();
        final List<String> inFlightAtDisruption = new ArrayList<>();
        volatile long disruptedAt;
        CompletableFuture<Void> disruption;

        Stream(String conv, String prefix, ParleyClient sender) {
            this.conv = conv;
            this.prefix = prefix;
            this.sender = sender;
        }

        /**
         * Sends at least {@code min} and at most {@code max} messages, going on past {@code min}
         * while the disruption runs, one per {@code pace} at most; then waits for the disruption.
         */
        void run(int min, int max, Duration pace, Step check, Step d) throws Exception {
            int i = 0;
            while (i < min || (i < max && (disruption == null || !disruption.isDone()))) {
                assertThat(window.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("a send was answered within %s; server logs:%n%s", WAIT, DEPLOYMENT.fleet().logTails())
                        .isTrue();
                send(i++);
                if (disruption == null && acked.get() >= DISRUPT_AFTER_ACKS) {
                    check.run();
                    // Fill the window at once: the disruption meets a burst of sends, some decided and
                    // not yet answered, some still in the log or on their way to it.
                    while (i < max && window.tryAcquire()) {
                        send(i++);
                    }
                    sends.forEach((c, s) -> {
                        if (!s.isDone()) {
                            inFlightAtDisruption.add(c);
                        }
                    });
                    disruptedAt = System.nanoTime();
                    disruption = CompletableFuture.runAsync(() -> {
                        try {
                            d.run();
                        } catch (Exception e) {
                            throw new CompletionException(e);
                        }
                    });
                }
                if (!pace.isZero()) {
                    Waits.sleep(pace);
                }
            }
            assertThat(disruption).as("the disruption started mid-stream").isNotNull();
            Waits.join(disruption, DISRUPTION_WAIT);
            if (min < max) {
                assertThat(i).as("the disruption ended before %d sends", max).isLessThan(max);
            }
            assertThat(sentAt.values().stream().filter(t -> t > disruptedAt).count())
                    .as("sends went on after the disruption began").isPositive();
        }

        private void send(int i) {
            String cmid = prefix + "-" + i;
            sentAt.put(cmid, System.nanoTime());
            CompletableFuture<Sent> f = sender.send(conv, body(cmid), null, cmid);
            sends.put(cmid, f);
            f.whenComplete((s, e) -> {
                if (s != null) {
                    ackedAt.put(cmid, System.nanoTime());
                    if (disruptedAt == 0) {
                        ackedBeforeDisruption.add(cmid);
                    }
                    acked.incrementAndGet();
                }
                window.release();
            });
        }

        /** Every send's answer, in the order the sends were issued; fails if one is not acknowledged. */
        Map<String, Sent> results() {
            Map<String, Sent> out = new LinkedHashMap<>();
            for (Map.Entry<String, CompletableFuture<Sent>> e : sends.entrySet()) {
                out.put(e.getKey(), join(e.getValue()));
            }
            return out;
        }

        /** The timings: from the disruption to the first ✓, and the slowest ✓. */
        String report(Map<String, Sent> all) {
            long firstAfter = ackedAt.values().stream().filter(t -> t > disruptedAt).mapToLong(t -> t - disruptedAt)
                    .min().orElse(-1);
            long firstOfLater = sentAt.entrySet().stream().filter(e -> e.getValue() > disruptedAt)
                    .mapToLong(e -> ackedAt.get(e.getKey()) - disruptedAt).min().orElse(-1);
            String slowest = null;
            long maxLatency = -1;
            for (Map.Entry<String, Long> e : ackedAt.entrySet()) {
                long latency = e.getValue() - sentAt.get(e.getKey());
                if (latency > maxLatency) {
                    maxLatency = latency;
                    slowest = e.getKey();
                }
            }
            long lastInFlight = inFlightAtDisruption.stream().mapToLong(c -> ackedAt.get(c) - disruptedAt).max()
                    .orElse(-1);
            long duplicates = all.values().stream().filter(Sent::duplicate).count();
            return String.format("%d sends, %d acknowledged before the disruption, %d in flight at it (the last of "
                            + "them acknowledged %d ms after it), %d answered as duplicates; first ✓ %d ms after "
                            + "the disruption, first ✓ of a send made after it %d ms after it; max ✓ latency %d ms (%s)",
                    all.size(), ackedBeforeDisruption.size(), inFlightAtDisruption.size(), lastInFlight / 1_000_000,
                    duplicates, firstAfter / 1_000_000, firstOfLater / 1_000_000, maxLatency / 1_000_000, slowest);
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    private void verify(Stream stream, Map<String, Sent> all, int total, Talk talk, List<URI> historyServers) {
        assertThat(stream.inFlightAtDisruption).as("the disruption came with sends in flight").isNotEmpty();
        assertThat(all).as("every send was acknowledged in the end").hasSize(total);
        for (String cmid : stream.ackedBeforeDisruption) {
            assertThat(all.get(cmid).duplicate()).as("%s was acknowledged before the disruption, as new", cmid)
                    .isFalse();
        }
        Map<Long, String> cmidBySeq = new HashMap<>();
        for (Map.Entry<String, Sent> e : all.entrySet()) {
            assertThat(cmidBySeq.put(e.getValue().seq(), e.getKey())).as("seq %s given to one message only",
                    e.getValue().seq()).isNull();
        }
        assertThat(cmidBySeq.keySet()).as("1..%s without gaps", total)
                .containsExactlyInAnyOrderElementsOf(Waits.range(1, total));
        assertThat(all.values()).extracting(Sent::seq).as("Alice's messages keep the order she sent them in")
                .containsExactlyElementsOf(Waits.range(1, total));

        // Sentinel: one more message (seq total + 1), sent after every send of the stream was answered.
        // Bob's inbox is in cursor order, so anything repeated for those sends reaches him before it.
        Sent sentinel = join(stream.sender.send(talk.conv, "sentinel"));
        assertThat(sentinel.seq()).isEqualTo(total + 1);
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(talk.bobEvents.messages(talk.conv)).extracting(MessageView::msgId).contains(sentinel.msgId()));
        List<MessageView> received = talk.bobEvents.messages(talk.conv);
        List<MessageView> got = received.subList(0, received.stream().map(MessageView::msgId).toList()
                .indexOf(sentinel.msgId()));
        assertThat(got).extracting(MessageView::seq).as("Bob saw every message once, in conversation order")
                .containsExactlyElementsOf(Waits.range(1, total));
        for (MessageView m : got) {
            Sent s = all.get(m.clientMsgId());
            assertThat(s).as("message %s carries a client id Alice sent", m.seq()).isNotNull();
            assertThat(m.msgId()).isEqualTo(s.msgId());
            assertThat(m.seq()).isEqualTo(s.seq());
            assertThat(m.body()).isEqualTo(body(m.clientMsgId()));
        }
        List<String> expected = received.stream().map(MessageView::msgId).toList();
        for (URI server : historyServers) {
            assertThat(History.messageIds(server, talk.bob.token(), talk.conv, WAIT)).as("history on %s agrees", server)
                    .containsExactlyElementsOf(expected);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private ParleyClient client(Device device, URI server, RecordingListener listener) {
        return users.builder(device, server)
                .cursorStore(CursorStore.inMemory())
                .listener(listener)
                .sendRetry(1_000, Duration.ofMinutes(3))
                .build();
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
