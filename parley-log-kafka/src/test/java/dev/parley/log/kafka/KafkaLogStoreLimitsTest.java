package dev.parley.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.message.NewMessage;
import dev.parley.devservices.DevServicesExtension;
import dev.parley.devservices.Service;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.store.cassandra.CassandraConfig;
import dev.parley.store.cassandra.CassandraStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bound on writes waiting for the log, on a real broker and Cassandra node. */
class KafkaLogStoreLimitsTest {
    @RegisterExtension
    static final DevServicesExtension services = DevServicesExtension.of(Service.KAFKA, Service.CASSANDRA);

    @Test
    void writesBeyondTheBoundAreRefusedAtOnceAndTheWaitingOnesTimeOutRetryable() throws Exception {
        CassandraConfig cassandraConfig = new CassandraConfig(List.of(services.cassandraContactPoint()),
                services.cassandraLocalDatacenter(), "parley_log_limits", 1, Duration.ofSeconds(10));
        String prefix = "l" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".";
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (CassandraStore cassandra = new CassandraStore(cassandraConfig);
             // No projection writer is started: nothing answers, so every write stays waiting.
             KafkaLogStore store = new KafkaLogStore(new KafkaLogConfig(services.kafkaBootstrap(), prefix, "s1", 1,
                     (short) 1, 1, Files.createTempDirectory("parley-log-limits"), Duration.ofMillis(10),
                     Duration.ofSeconds(3), Duration.ofSeconds(10), 3), cassandra, meters, Clock.systemUTC())) {
            List<CompletableFuture<?>> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiting.add(store.appendMessage(message("c" + i)).toCompletableFuture());
            }
            CompletableFuture<?> refused = store.appendMessage(message("c3")).toCompletableFuture();

            assertThat(refused).isCompletedExceptionally();
            assertThat(ParleyException.from(refused.handle((v, e) -> e).join()).code())
                    .isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(meters.get("parley.log.pending").gauge().value()).isEqualTo(3);
            assertThat(meters.get("parley.log.refused").counter().count()).isEqualTo(1);
            for (CompletableFuture<?> w : waiting) {
                Throwable e = w.handle((v, t) -> t).get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(ParleyException.from(e).code()).isEqualTo(ErrorCode.UNAVAILABLE);
            }
            assertThat(meters.get("parley.log.pending").gauge().value()).isZero();
        }
    }

    private static NewMessage message(String clientMsgId) {
        return new NewMessage("d:a:b", "a", "a-phone", clientMsgId, "hi", null);
    }
}
