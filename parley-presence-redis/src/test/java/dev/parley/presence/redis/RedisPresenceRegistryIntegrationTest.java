package dev.parley.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.core.presence.PresenceState;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two registries (two chat servers, "sA" and "sB") on one real Redis process. Each test uses its
 * own key prefix, so tests never see each other's keys or events.
 */
class RedisPresenceRegistryIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final DevServicesExtension services = DevServicesExtension.of(Service.REDIS);

    private final List<RedisPresenceRegistry> opened = new ArrayList<>();
    private final String prefix = "t" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

    @AfterEach
    void closeRegistries() {
        opened.forEach(RedisPresenceRegistry::close);
    }

    private RedisPresenceRegistry registry(Duration ttl) {
        RedisPresenceRegistry r = new RedisPresenceRegistry(new RedisPresenceConfig(services.redisUri(), ttl, prefix));
        opened.add(r);
        return r;
    }

    /** Collects the events a registry's listener sees. */
    private static final class Events implements Consumer<PresenceState> {
        final List<PresenceState> seen = new CopyOnWriteArrayList<>();

        @Override
        public void accept(PresenceState s) {
            seen.add(s);
        }

        List<PresenceState> of(String user) {
            return seen.stream().filter(s -> s.userId().equals(user)).toList();
        }
    }

    private static <T> T join(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void changesOnOneServerReachListenersAndLookupsOnAnother() throws Exception {
        RedisPresenceRegistry a = registry(Duration.ofSeconds(30));
        RedisPresenceRegistry b = registry(Duration.ofSeconds(30));
        Events onB = new Events();
        b.listen(onB);

        assertThat(join(b.lookup(List.of("alice")))).containsEntry("alice", new PresenceState("alice", false, null));

        Instant before = Instant.now().minusSeconds(1);
        join(a.connected("alice", "phone", "sA"));
        await().atMost(WAIT).until(() -> onB.of("alice").size() == 1);
        PresenceState online = onB.of("alice").get(0);
        assertThat(online.online()).isTrue();
        assertThat(online.lastSeen()).isAfter(before);

        assertThat(join(b.lookup(List.of("alice", "bob"))))
                .containsEntry("alice", new PresenceState("alice", true, online.lastSeen()))
                .containsEntry("bob", new PresenceState("bob", false, null));
        assertThat(join(b.locate(List.of("alice", "bob")))).isEqualTo(Map.of("alice", Set.of("sA")));

        // a second device on the other server: no new transition, both servers located
        join(b.connected("alice", "laptop", "sB"));
        assertThat(join(a.locate(List.of("alice")))).isEqualTo(Map.of("alice", Set.of("sA", "sB")));
        join(a.disconnected("alice", "phone", "sA"));
        assertThat(join(a.locate(List.of("alice")))).isEqualTo(Map.of("alice", Set.of("sB")));
        assertThat(join(a.lookup(List.of("alice"))).get("alice").online()).isTrue();

        join(b.disconnected("alice", "laptop", "sB"));
        await().atMost(WAIT).until(() -> onB.of("alice").size() == 2);
        PresenceState offline = onB.of("alice").get(1);
        assertThat(offline.online()).isFalse();
        assertThat(offline.lastSeen()).isAfterOrEqualTo(online.lastSeen());
        assertThat(join(a.lookup(List.of("alice")))).containsEntry("alice", offline);
        assertThat(join(a.locate(List.of("alice")))).isEmpty();
        // only the two transitions were published, each once
        assertThat(onB.of("alice")).hasSize(2);
    }

    @Test
    void usersOfAServerThatStopsRefreshingGoOfflineByThemselves() throws Exception {
        Duration ttl = Duration.ofSeconds(2);
        RedisPresenceRegistry dying = registry(ttl);
        RedisPresenceRegistry alive = registry(ttl);
        Events onAlive = new Events();
        alive.listen(onAlive);

        long t0 = System.currentTimeMillis();
        join(dying.connected("carol", "phone", "sA"));
        join(alive.connected("dave", "phone", "sB"));
        await().atMost(WAIT).until(() -> onAlive.of("carol").size() == 1 && onAlive.of("dave").size() == 1);

        dying.close(); // a crash: no disconnect, no more refreshes
        long deadline = System.currentTimeMillis() + 10_000;
        while (onAlive.of("carol").size() < 2 && System.currentTimeMillis() < deadline) {
            join(alive.refresh("sB", List.of("dave"))); // what Parley's timer does every heartbeat / 3
            Thread.sleep(300);
        }
        long elapsed = System.currentTimeMillis() - t0;

        assertThat(onAlive.of("carol")).hasSize(2);
        PresenceState offline = onAlive.of("carol").get(1);
        assertThat(offline.online()).isFalse();
        assertThat(elapsed).as("offline after the ttl, not before").isBetween(ttl.toMillis() - 200, ttl.toMillis() + 5_000);
        // last seen is the last refresh (here: the connect), not the moment the sweep noticed
        assertThat(offline.lastSeen().toEpochMilli()).isBetween(t0 - 1_000, t0 + 1_000);
        assertThat(join(alive.lookup(List.of("carol")))).containsEntry("carol", offline);
        assertThat(join(alive.locate(List.of("carol", "dave")))).isEqualTo(Map.of("dave", Set.of("sB")));
        // the refreshed user never went offline
        assertThat(onAlive.of("dave")).hasSize(1);
    }

    @Test
    void aRefreshWithAnOutdatedUserListDoesNotBringBackADisconnectedDevice() throws Exception {
        RedisPresenceRegistry a = registry(Duration.ofSeconds(30));
        join(a.connected("erin", "phone", "sA"));
        join(a.disconnected("erin", "phone", "sA"));
        join(a.refresh("sA", List.of("erin"))); // the list was taken before the disconnect
        assertThat(join(a.locate(List.of("erin")))).isEmpty();
        assertThat(join(a.lookup(List.of("erin"))).get("erin").online()).isFalse();
    }

    @Test
    void recoversWhenRedisIsKilledAndRestartedEmpty() throws Exception {
        RedisPresenceRegistry a = registry(Duration.ofSeconds(30));
        RedisPresenceRegistry b = registry(Duration.ofSeconds(30));
        Events onB = new Events();
        b.listen(onB);
        join(a.connected("frank", "phone", "sA"));
        await().atMost(WAIT).until(() -> onB.of("frank").size() == 1);

        services.devServices().kill9(Service.REDIS);
        try {
            // while Redis is down calls fail fast instead of hanging the caller
            long t = System.nanoTime();
            assertThatThrownBy(() -> join(a.connected("grace", "phone", "sA"))).hasRootCauseInstanceOf(Exception.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(4)); // 2 s command timeout at worst
        } finally {
            services.devServices().restart(Service.REDIS); // empty: the test Redis has no persistence
        }

        // the first refresh after the reconnect re-creates this server's users, Redis lost them
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            join(a.refresh("sA", List.of("frank", "grace")));
            assertThat(join(b.locate(List.of("frank", "grace"))))
                    .isEqualTo(Map.of("frank", Set.of("sA"), "grace", Set.of("sA")));
        });
        // and B's subscription is back (its connection reconnects on its own schedule): new
        // transitions reach it
        AtomicInteger n = new AtomicInteger();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            a.connected("heidi" + n.incrementAndGet(), "phone", "sA");
            return onB.seen.stream().anyMatch(s -> s.userId().startsWith("heidi") && s.online());
        });
    }

    @Test
    void rejectsServerIdsThatWouldBreakTheFieldFormat() {
        RedisPresenceRegistry a = registry(Duration.ofSeconds(30));
        assertThatThrownBy(() -> a.connected("u", "d", "s|1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'|'");
    }
}
