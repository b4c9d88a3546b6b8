package dev.parley.it.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.devservices.DevServices;
import dev.parley.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The example configurations of docs/SCALE-OUT.md ({@code docs/examples/scale-out-1.yaml} and
 * {@code -2.yaml}) load without errors, select the scale-out adapters, give the two servers distinct
 * stable ids and ports, and point at the ports {@code ./parley dev-services up} uses by default.
 */
class ExampleConfigsTest {

    @Test
    void theScaleOutExamplesAreValidAndPointAtTheDevServices() {
        Path examples = Path.of(System.getProperty("parley.it.docs", "../docs")).resolve("examples");
        DevServices.Ports dev = DevServices.Ports.defaults();
        List<ServerConfig> configs = List.of(
                ServerConfig.load(examples.resolve("scale-out-1.yaml"), Map.of()),
                ServerConfig.load(examples.resolve("scale-out-2.yaml"), Map.of()));
        for (ServerConfig c : configs) {
            assertThat(c.store().type()).isEqualTo("cassandra");
            assertThat(c.store().cassandra().contactPoints()).containsExactly("127.0.0.1:" + dev.cassandraCql());
            assertThat(c.router().type()).isEqualTo("kafka");
            assertThat(c.router().kafka().bootstrapServers()).isEqualTo("127.0.0.1:" + dev.kafka());
            assertThat(c.presence().type()).isEqualTo("redis");
            assertThat(c.presence().redis().uri()).isEqualTo("redis://127.0.0.1:" + dev.redis());
            assertThat(c.server().id()).isNotBlank();
        }
        assertThat(configs).extracting(c -> c.server().id()).doesNotHaveDuplicates();
        assertThat(configs).extracting(c -> c.server().port()).doesNotHaveDuplicates();
        // Both servers run on one machine: no API or admin (metrics) port may be taken twice.
        assertThat(configs.stream().flatMap(c -> java.util.stream.Stream.of(c.server().port(),
                c.server().admin().port())).toList()).doesNotHaveDuplicates();
        assertThat(configs.get(0).store().cassandra().keyspace()).isEqualTo(configs.get(1).store().cassandra().keyspace());
        assertThat(Files.exists(examples.getParent().resolve("SCALE-OUT.md"))).isTrue();
    }
}
