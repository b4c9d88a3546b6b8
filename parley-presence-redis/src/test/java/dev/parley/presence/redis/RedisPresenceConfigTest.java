package dev.parley.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisPresenceConfigTest {

    @Test
    void defaults() {
        RedisPresenceConfig c = RedisPresenceConfig.of("redis://127.0.0.1:6379");
        assertThat(c.entryTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.keyPrefix()).isEqualTo("parley:");
        assertThat(c.channel()).isEqualTo("parley:presence");
    }

    @Test
    void refusesUnusableSettings() {
        assertThatThrownBy(() -> RedisPresenceConfig.of(" ")).hasMessageContaining("uri");
        assertThatThrownBy(() -> new RedisPresenceConfig("redis://h", Duration.ofMillis(50), "p:"))
                .hasMessageContaining("entryTtl");
        assertThatThrownBy(() -> new RedisPresenceConfig("redis://h", Duration.ofSeconds(5), "a|b"))
                .hasMessageContaining("keyPrefix");
    }
}
