package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HistoryRequestTest {

    @Test
    void buildsQueryStrings() {
        assertThat(HistoryRequest.latest(50).toQuery()).isEqualTo("limit=50");
        assertThat(HistoryRequest.beforeSeq(10, 20).toQuery()).isEqualTo("beforeSeq=10&limit=20");
        assertThat(HistoryRequest.afterSeq(3, 100).toQuery()).isEqualTo("afterSeq=3&limit=100");
        assertThat(HistoryRequest.after(Instant.ofEpochMilli(1234), 5).toQuery()).isEqualTo("afterTs=1234&limit=5");
        assertThat(new HistoryRequest(null, null, null, null, null).toQuery()).isEmpty();
    }

    @Test
    void rejectsTwoBoundsAndBadLimits() {
        assertThatThrownBy(() -> new HistoryRequest(1L, 2L, null, null, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one");
        assertThatThrownBy(() -> HistoryRequest.latest(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HistoryRequest.latest(1001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HistoryRequest.beforeSeq(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void webSocketUriFollowsTheBaseScheme() {
        assertThat(ParleyClient.webSocketUri(URI.create("http://127.0.0.1:8080")))
                .hasToString("ws://127.0.0.1:8080/ws?v=1");
        assertThat(ParleyClient.webSocketUri(URI.create("https://chat.example.org/parley/")))
                .hasToString("wss://chat.example.org/parley/ws?v=1");
        assertThatThrownBy(() -> ParleyClient.webSocketUri(URI.create("ftp://x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pathSegmentsAreEncoded() {
        assertThat(ParleyAccounts.segment("d:alice:bob", "conv")).isEqualTo("d:alice:bob");
        assertThat(ParleyAccounts.segment("a b/c?é", "x")).isEqualTo("a%20b%2Fc%3F%C3%A9");
    }

    @Test
    void httpErrorsCarryCodeStatusAndRetryability() {
        ParleyAccounts accounts = ParleyAccounts.of(URI.create("http://127.0.0.1:1"));
        ParleyClientException taken = accounts.httpError(409,
                "{\"error\":{\"code\":\"USERNAME_TAKEN\",\"message\":\"alice is taken\",\"retryable\":false}}");
        assertThat(taken.code()).isEqualTo("USERNAME_TAKEN");
        assertThat(taken.errorCode()).isEqualTo(dev.parley.protocol.ErrorCode.USERNAME_TAKEN);
        assertThat(taken.httpStatus()).isEqualTo(409);
        assertThat(taken.retryable()).isFalse();
        assertThat(taken.getMessage()).contains("alice is taken");
        assertThat(taken.retryAfterMs()).isZero();

        ParleyClientException limited = accounts.httpError(429, "{\"error\":{\"code\":\"RATE_LIMITED\","
                + "\"message\":\"too many\",\"retryable\":true,\"retryAfterMs\":1500}}");
        assertThat(limited.errorCode()).isEqualTo(dev.parley.protocol.ErrorCode.RATE_LIMITED);
        assertThat(limited.retryable()).isTrue();
        assertThat(limited.retryAfterMs()).isEqualTo(1500);

        ParleyClientException future = accounts.httpError(418, "{\"error\":{\"code\":\"TEAPOT_2030\",\"message\":\"m\"}}");
        assertThat(future.code()).isEqualTo("TEAPOT_2030");
        assertThat(future.errorCode()).isNull();

        ParleyClientException proxy = accounts.httpError(502, "<html>Bad Gateway</html>");
        assertThat(proxy.code()).isEqualTo("HTTP_502");
        assertThat(proxy.retryable()).isTrue();
    }

    @Test
    void unreachableServerIsARetryableNetworkError() {
        ParleyAccounts accounts = ParleyAccounts.of(URI.create("http://127.0.0.1:1"));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> accounts.register("alice", "alice-long-password").join());
        ParleyClientException e = ParleyClientException.unwrap(t);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ParleyClientException.NETWORK);
        assertThat(e.retryable()).isTrue();
    }
}
