package dev.parley.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.account.LoginThrottle;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ParleySettingsTest {

    @Test
    void theBuilderStartsFromTheDocumentedDefaults() {
        ParleySettings d = ParleySettings.defaults();
        assertThat(d.serverId()).startsWith("parley-");
        assertThat(d.maxBodyBytes()).isEqualTo(65_536);
        assertThat(d.maxGroupMembers()).isEqualTo(1_024);
        assertThat(d.inboxRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(d.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.rateLimitPerSecond()).isEqualTo(100);
        assertThat(d.rateLimitBurst()).isEqualTo(200);
        assertThat(d.maxOutboundBytes()).isEqualTo(262_144);
        assertThat(d.syncBatchSize()).isEqualTo(256);
        assertThat(d.argon2MemoryKiB()).isEqualTo(19_456);
        assertThat(d.argon2Iterations()).isEqualTo(2);
        assertThat(d.userSendPerSecond()).isEqualTo(100);
        assertThat(d.userSendBurst()).isEqualTo(200);
        assertThat(d.maxDevicesPerUser()).isEqualTo(16);
        assertThat(d.hashQueueSize()).isEqualTo(64);
        assertThat(d.loginThrottle()).isEqualTo(LoginThrottle.Settings.defaults());
        assertThat(d.maxContacts()).isEqualTo(5_000);
        assertThat(d.membershipChangesPerMinute()).isEqualTo(20);
        assertThat(ParleySettings.defaults().serverId()).as("a random id each time").isNotEqualTo(d.serverId());
    }

    @Test
    void toBuilderKeepsEveryValueAndChangesOnlyWhatIsSet() {
        ParleySettings s = ParleySettings.builder().serverId("chat-1").maxBodyBytes(1_000).maxGroupMembers(50)
                .inboxRetention(Duration.ofDays(7)).heartbeatTimeout(Duration.ofSeconds(45)).rateLimit(10, 20)
                .maxOutboundBytes(30_000).syncBatchSize(40).argon2(1_024, 3).userSendLimit(7, 9).maxDevicesPerUser(3)
                .hashQueueSize(11).loginThrottle(new LoginThrottle.Settings(12, 13, 4, Duration.ofSeconds(60), 500))
                .maxContacts(99).membershipChangesPerMinute(8).build();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        ParleySettings t = s.toBuilder().maxContacts(100).build();
        assertThat(t.maxContacts()).isEqualTo(100);
        assertThat(t.toBuilder().maxContacts(99).build()).isEqualTo(s);
    }

    @Test
    void buildRejectsAValueOutOfItsRangeNamingIt() {
        assertThatThrownBy(() -> ParleySettings.builder().maxGroupMembers(1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxGroupMembers");
        assertThatThrownBy(() -> ParleySettings.builder().argon2(19_456, 0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argon2Iterations");
        assertThatThrownBy(() -> ParleySettings.builder().heartbeatTimeout(Duration.ofMillis(999)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatTimeout");
        assertThatThrownBy(() -> ParleySettings.builder().inboxRetention(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inboxRetention");
        assertThatThrownBy(() -> ParleySettings.builder().serverId(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("serverId");
    }
}
