package dev.parley.routing.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.core.presence.PresenceState;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import dev.parley.protocol.ServerFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two routers (chat servers s1 and s2) on one real Kafka broker, with a presence stub that says
 * where each user is connected. Each test has its own topic prefix, so its topics and consumer
 * groups are new.
 */
class KafkaMessageRouterIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final DevServicesExtension services = DevServicesExtension.of(Service.KAFKA);

    private final String prefix = "t" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".";
    private final StubPresence presence = new StubPresence();
    private final List<KafkaMessageRouter> opened = new ArrayList<>();

    @AfterEach
    void closeRouters() {
        opened.forEach(KafkaMessageRouter::close);
    }

    /** Where users are connected: user → servers. */
    static final class StubPresence implements PresenceRegistry {
        final Map<String, Set<String>> where = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<Map<String, Set<String>>> locate(Collection<String> userIds) {
            Map<String, Set<String>> out = new HashMap<>();
            for (String u : userIds) {
                Set<String> s = where.get(u);
                if (s != null && !s.isEmpty()) {
                    out.put(u, s);
                }
            }
            return CompletableFuture.completedFuture(out);
        }

        @Override
        public CompletionStage<Void> connected(String userId, String deviceId, String serverId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> disconnected(String userId, String deviceId, String serverId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> refresh(String serverId, Collection<String> connectedUsers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Map<String, PresenceState>> lookup(Collection<String> userIds) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void listen(Consumer<PresenceState> listener) {
        }

        @Override
        public void close() {
        }
    }

    /** What a server's handler was given. */
    static final class Received implements MessageRouter.Handler {
        final List<InboxEntry> entries = new CopyOnWriteArrayList<>();
        final List<Map.Entry<String, ServerFrame>> ephemeral = new CopyOnWriteArrayList<>();
        final List<Map.Entry<String, String>> revoked = new CopyOnWriteArrayList<>();

        @Override
        public void onInboxEntry(InboxEntry entry) {
            entries.add(entry);
        }

        @Override
        public void onEphemeral(String userId, ServerFrame frame) {
            ephemeral.add(Map.entry(userId, frame));
        }

        @Override
        public void onDeviceRevoked(String userId, String deviceId) {
            revoked.add(Map.entry(userId, deviceId));
        }

        List<InboxEntry> entriesOf(String user) {
            return entries.stream().filter(e -> e.userId().equals(user)).toList();
        }
    }

    /** The system clock, shifted by a settable offset. */
    static final class ShiftedClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    private KafkaMessageRouter router(String serverId, MessageRouter.Handler handler, SimpleMeterRegistry meters,
                                      Clock clock) throws Exception {
        KafkaRouterConfig config = new KafkaRouterConfig(services.kafkaBootstrap(), prefix, serverId, (short) 1, 1,
                Duration.ofSeconds(10));
        KafkaMessageRouter r = new KafkaMessageRouter(config, presence, meters, clock);
        opened.add(r);
        r.start(handler);
        r.ready().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return r;
    }

    private KafkaMessageRouter router(String serverId, MessageRouter.Handler handler) throws Exception {
        return router(serverId, handler, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    @Test
    void entriesAndEphemeralFramesReachTheServerHoldingTheUser() throws Exception {
        Received on1 = new Received();
        Received on2 = new Received();
        KafkaMessageRouter s1 = router("s1", on1);
        router("s2", on2);
        presence.where.put("bob", Set.of("s2"));
        presence.where.put("carol", Set.of("s1"));

        List<InboxEntry> sent = List.of(NotificationCodecTest.message("bob", 1), NotificationCodecTest.receipt("bob", 2),
                NotificationCodecTest.membership("bob", 3));
        sent.forEach(s1::inboxAppended);
        ServerFrame typing = new ServerFrame.TypingEvent("g:x1", "alice", "composing");
        s1.ephemeral(List.of("bob", "carol", "dave"), typing);
        s1.deviceRevoked("bob", "dev_b1");

        await().atMost(WAIT).until(() -> on2.entries.size() == 3 && on2.ephemeral.size() == 1
                && on2.revoked.size() == 1);
        assertThat(on2.revoked).containsExactly(Map.entry("bob", "dev_b1"));
        assertThat(on2.entries).as("identical content, in order").containsExactlyElementsOf(sent);
        assertThat(on2.ephemeral).containsExactly(Map.entry("bob", typing));
        // s1 offers everything to its own sessions first (a no-op for users without one here) and
        // sends nothing through Kafka to itself
        assertThat(on1.entries).containsExactlyElementsOf(sent);
        assertThat(on1.ephemeral).containsExactly(Map.entry("bob", typing), Map.entry("carol", typing),
                Map.entry("dave", typing));
    }

    @Test
    void aUserOnBothServersGetsEachEntryOnceOnEach() throws Exception {
        Received on1 = new Received();
        Received on2 = new Received();
        KafkaMessageRouter s1 = router("s1", on1);
        KafkaMessageRouter s2 = router("s2", on2);
        presence.where.put("bob", Set.of("s1", "s2"));

        InboxEntry e1 = NotificationCodecTest.message("bob", 1);
        InboxEntry e2 = NotificationCodecTest.receipt("bob", 2);
        s1.inboxAppended(e1);
        s2.inboxAppended(e2);

        await().atMost(WAIT).until(() -> on1.entries.size() == 2 && on2.entries.size() == 2);
        Thread.sleep(500); // nothing more may arrive (no echo through one's own topic)
        assertThat(on1.entries).containsExactlyInAnyOrder(e1, e2);
        assertThat(on2.entries).containsExactlyInAnyOrder(e1, e2);
    }

    @Test
    void aRestartedServerGetsWhatWasSentWhileItWasDownButNotStaleTypingNorOldRecords() throws Exception {
        Received on1 = new Received();
        KafkaMessageRouter s1 = router("s1", on1);
        presence.where.put("bob", Set.of("s2"));

        Received before = new Received();
        KafkaMessageRouter s2 = router("s2", before);
        InboxEntry e0 = NotificationCodecTest.message("bob", 1);
        s1.inboxAppended(e0);
        await().atMost(WAIT).until(() -> before.entries.size() == 1);
        s2.close(); // commits e0

        // while s2 is down (presence still says bob is there: its entries have not expired yet)
        InboxEntry e1 = NotificationCodecTest.receipt("bob", 2);
        InboxEntry e2 = NotificationCodecTest.membership("bob", 3);
        s1.inboxAppended(e1);
        s1.ephemeral(List.of("bob"), new ServerFrame.TypingEvent("g:x1", "alice", "composing"));
        s1.inboxAppended(e2);

        // s2 comes back with the same id, 1 minute later as far as its clock is concerned
        ShiftedClock later = new ShiftedClock();
        later.offset = Duration.ofMinutes(1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Received after = new Received();
        KafkaMessageRouter s2again = router("s2", after, meters, later);
        await().atMost(WAIT).until(() -> after.entries.size() == 2);
        assertThat(after.entries).containsExactly(e1, e2); // e0 was committed: not replayed
        assertThat(after.ephemeral).isEmpty(); // the typing indicator was 1 minute old: dropped
        assertThat(meters.counter("parley.routing.kafka.dropped", "reason", "stale").count()).isEqualTo(1.0);

        // fresh typing still flows
        later.offset = Duration.ZERO;
        ServerFrame fresh = new ServerFrame.TypingEvent("g:x1", "alice", "paused");
        s1.ephemeral(List.of("bob"), fresh);
        await().atMost(WAIT).until(() -> after.ephemeral.size() == 1);
        assertThat(after.ephemeral).containsExactly(Map.entry("bob", fresh));
        assertThat(s2again.ready().toCompletableFuture().isDone()).isTrue();
    }

    @Test
    void aServerRestartedWithTheSameIdTakesItsTopicOverAtOnceEvenIfTheOldOneNeverLeft() throws Exception {
        Received on1 = new Received();
        KafkaMessageRouter s1 = router("s1", on1);
        presence.where.put("bob", Set.of("s2"));
        SimpleMeterRegistry oldMeters = new SimpleMeterRegistry();
        Received onOld = new Received();
        router("s2", onOld, oldMeters, Clock.systemUTC()); // "crashes": never closed before its successor starts

        long t = System.nanoTime();
        Received onNew = new Received();
        router("s2", onNew);
        // static membership: no wait for the old member's session timeout (45 s)
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(15));
        await().atMost(WAIT).until(() -> oldMeters.counter("parley.routing.kafka.failures", "reason", "fenced").count() == 1);

        InboxEntry e = NotificationCodecTest.message("bob", 1);
        s1.inboxAppended(e);
        await().atMost(WAIT).until(() -> onNew.entries.size() == 1);
        assertThat(onNew.entries).containsExactly(e);
        assertThat(onOld.entries).isEmpty();
    }
}
