package dev.parley.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension with Redis only (it starts in milliseconds): shared instance, endpoints, parameter injection. */
class DevServicesExtensionTest {

    @RegisterExtension
    static DevServicesExtension services = DevServicesExtension.of(Service.REDIS);

    @Test
    void exposesARunningRedis(DevServices injected) {
        assertThat(injected).isSameAs(services.devServices());
        assertThat(services.redisUri()).startsWith("redis://127.0.0.1:");
        assertThat(Probes.redisPing(injected.ports().redis())).isTrue();
        assertThat(injected.workDir().getFileName().toString()).startsWith("parley-devservices-");
    }
}
