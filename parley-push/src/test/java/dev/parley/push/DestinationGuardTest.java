package dev.parley.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DestinationGuardTest {
    private final DestinationGuard byDefault = new DestinationGuard(List.of(), false, Runnable::run);

    @Test
    void loopbackPrivateLinkLocalAndMetadataAddressesAreNotPublic() throws Exception {
        for (String a : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00:ec2::254",
                "::ffff:127.0.0.1", "::ffff:169.254.169.254")) {
            assertThat(DestinationGuard.isPublic(InetAddress.getByName(a))).as(a).isFalse();
        }
        for (String a : List.of("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111")) {
            assertThat(DestinationGuard.isPublic(InetAddress.getByName(a))).as(a).isTrue();
        }
    }

    @Test
    void theDefaultRefusesLoopbackAndTheMetadataAddressAtRegistration() {
        assertThatThrownBy(() -> byDefault.checkUrl("http://127.0.0.1:8080/hook"))
                .hasMessageContaining("not a public address");
        assertThatThrownBy(() -> byDefault.checkUrl("http://169.254.169.254/latest/meta-data/"))
                .hasMessageContaining("not a public address");
        assertThatThrownBy(() -> byDefault.checkUrl("http://[::1]/hook")).hasMessageContaining("not a public address");
        assertThatThrownBy(() -> byDefault.checkUrl("file:///etc/passwd")).hasMessageContaining("http or https");
        assertThatThrownBy(() -> byDefault.checkUrl("https://user:pw@example.com/")).hasMessageContaining("credentials");
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefusedAtSendTime() {
        assertThatThrownBy(() -> byDefault.checkBeforeSend("http://localhost:9/hook").join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(DestinationGuard.RefusedDestination.class)
                .hasMessageContaining("non-public address");
    }

    @Test
    void theAllowListAdmitsOnlyItsHosts() {
        DestinationGuard guard = new DestinationGuard(List.of("hooks.example.com", "*.push.example.org"), false,
                Runnable::run);
        assertThat(guard.checkUrl("https://hooks.example.com/x").getHost()).isEqualTo("hooks.example.com");
        assertThat(guard.checkUrl("https://eu.push.example.org/x").getHost()).isEqualTo("eu.push.example.org");
        assertThatThrownBy(() -> guard.checkUrl("https://evil.example.com/x")).hasMessageContaining("allow-list");
        assertThatThrownBy(() -> guard.checkUrl("https://push.example.org.evil.com/x"))
                .hasMessageContaining("allow-list");
    }
}
