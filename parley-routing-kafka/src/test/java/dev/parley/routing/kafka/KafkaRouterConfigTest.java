package dev.parley.routing.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KafkaRouterConfigTest {

    @Test
    void namesTopicsAndGroupsAfterTheServer() {
        KafkaRouterConfig c = KafkaRouterConfig.of("k:9092", "chat-1");
        assertThat(c.topic()).isEqualTo("parley.server.chat-1");
        assertThat(c.groupId()).isEqualTo("parley.server.chat-1");
        assertThat(c.topicOf("chat-2")).isEqualTo("parley.server.chat-2");
        assertThat(c.ephemeralMaxAge()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void refusesWhatKafkaOrTheDesignWouldRefuseLater() {
        assertThatThrownBy(() -> KafkaRouterConfig.of(" ", "s1")).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> KafkaRouterConfig.of("k:9092", "chat/1")).hasMessageContaining("serverId");
        assertThatThrownBy(() -> KafkaRouterConfig.of("k:9092", "")).hasMessageContaining("serverId");
        assertThatThrownBy(() -> KafkaRouterConfig.of("k:9092", "s".repeat(240))).hasMessageContaining("249");
        assertThatThrownBy(() -> new KafkaRouterConfig("k:9092", "a b", "s1", (short) 1, 1, Duration.ofSeconds(1)))
                .hasMessageContaining("topicPrefix");
        assertThatThrownBy(() -> new KafkaRouterConfig("k:9092", "p.", "s1", (short) 0, 1, Duration.ofSeconds(1)))
                .hasMessageContaining("replicationFactor");
        assertThatThrownBy(() -> new KafkaRouterConfig("k:9092", "p.", "s1", (short) 3, 4, Duration.ofSeconds(1)))
                .hasMessageContaining("minInsyncReplicas");
        assertThatThrownBy(() -> new KafkaRouterConfig("k:9092", "p.", "s1", (short) 3, 2, Duration.ZERO))
                .hasMessageContaining("ephemeralMaxAge");
    }
}
