package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class WsClientTest {
    @Test
    void connectionsTakeTheSourceAddressesInTurn() throws Exception {
        try (WsClient client = new WsClient(List.of(URI.create("ws://127.0.0.1:9/ws")), 1, true)) {
            assertThat(client.sourceFor(0).getHostString()).isEqualTo("127.0.0.2");
            assertThat(client.sourceFor(1).getHostString()).isEqualTo("127.0.0.3");
            assertThat(client.sourceFor(249).getHostString()).isEqualTo("127.0.0.251");
            assertThat(client.sourceFor(250).getHostString()).isEqualTo("127.0.0.2");
            assertThat(client.sourceFor(0).getPort()).as("the kernel picks the port").isZero();
            int last = WsClient.SOURCE_ADDRESSES * WsClient.PER_SOURCE_ADDRESS - 1;
            assertThat(client.sourceFor(last).getHostString()).isEqualTo("127.0.0.251");
            assertThatThrownBy(() -> client.sourceFor(last + 1)).isInstanceOf(IllegalArgumentException.class);
        }
        try (WsClient unbound = new WsClient(List.of(URI.create("ws://127.0.0.1:9/ws")), 1, false)) {
            assertThat(unbound.sourceFor(0)).isNull();
        }
    }
}
