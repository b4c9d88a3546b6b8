package dev.parley.routing.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ServerFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kafka is not there at all: the router must neither block nor throw, and must close promptly. */
class KafkaMessageRouterUnreachableTest {

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed again when we use it
        }
    }

    @Test
    void callersAreNeverBlockedAndFailuresAreCounted() throws Exception {
        KafkaMessageRouterIntegrationTest.StubPresence presence = new KafkaMessageRouterIntegrationTest.StubPresence();
        presence.where.put("bob", Set.of("s2"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        KafkaMessageRouterIntegrationTest.Received local = new KafkaMessageRouterIntegrationTest.Received();
        KafkaMessageRouter router = new KafkaMessageRouter(
                KafkaRouterConfig.of("127.0.0.1:" + closedPort(), "s1"), presence, meters, Clock.systemUTC());
        try {
            router.start(local);
            long t = System.nanoTime();
            InboxEntry e1 = NotificationCodecTest.message("bob", 1);
            InboxEntry e2 = NotificationCodecTest.receipt("bob", 2);
            router.inboxAppended(e1);
            router.inboxAppended(e2);
            router.ephemeral(List.of("bob"), new ServerFrame.TypingEvent("c", "alice", "composing"));
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofMillis(500));
            assertThat(local.entries).containsExactly(e1, e2); // local delivery does not wait for Kafka

            // each send gives up after max.block.ms (1 s) on the sender thread, and is counted
            await().atMost(Duration.ofSeconds(15)).until(
                    () -> meters.counter("parley.routing.kafka.failures", "reason", "kafka").count() >= 3);
            assertThat(router.ready().toCompletableFuture().isDone()).isFalse();
        } finally {
            long t = System.nanoTime();
            router.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(8));
        }
    }
}
