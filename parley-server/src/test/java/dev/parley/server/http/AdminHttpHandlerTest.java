package dev.parley.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import dev.parley.core.ParleySettings;
import dev.parley.core.account.AccountStore;
import dev.parley.core.delivery.InProcessRouter;
import dev.parley.core.message.MessageStore;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.server.ServerMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin listener's handler on an {@code EmbeddedChannel}. */
class AdminHttpHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final Parley parley = new Parley(ParleySettings.builder().serverId("admin-1").argon2(8, 1).build(),
            unused(AccountStore.class), unused(dev.parley.core.contact.ContactStore.class),
            unused(dev.parley.core.conversation.ConversationStore.class), unused(MessageStore.class),
            new InProcessRouter(),
            new InMemoryPresenceRegistry(CLOCK), null, CLOCK, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    private final ServerMetrics metrics = ServerMetrics.prometheus();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final EmbeddedChannel ch = new EmbeddedChannel(new AdminHttpHandler(parley, metrics, draining::get));

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        parley.close();
        metrics.close();
    }

    @Test
    void metricsArePrometheusText() {
        FullHttpResponse res = get("/metrics");
        assertThat(res.status().code()).isEqualTo(200);
        assertThat(res.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("text/plain; version=0.0.4");
        assertThat(res.content().toString(StandardCharsets.UTF_8))
                .contains("parley_ws_frames_in_total")
                .contains("jvm_memory_used_bytes");
        res.release();
    }

    @Test
    void healthIsServedAndIs503WhileDraining() throws Exception {
        FullHttpResponse up = get("/health");
        assertThat(up.status().code()).isEqualTo(200);
        assertThat(JSON.readTree(up.content().toString(StandardCharsets.UTF_8)))
                .isEqualTo(JSON.readTree("{\"status\":\"UP\",\"server\":\"admin-1\",\"sessions\":0}"));
        up.release();
        draining.set(true);
        FullHttpResponse down = get("/health");
        assertThat(down.status().code()).isEqualTo(503);
        assertThat(down.content().toString(StandardCharsets.UTF_8)).contains("SHUTTING_DOWN");
        down.release();
    }

    @Test
    void anythingElseIs404AndOtherMethods405() {
        FullHttpResponse other = get("/v1/users");
        assertThat(other.status().code()).isEqualTo(404);
        assertThat(other.content().toString(StandardCharsets.UTF_8)).contains("\"code\":\"NOT_FOUND\"");
        other.release();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/metrics"));
        FullHttpResponse post = ch.readOutbound();
        assertThat(post.status().code()).isEqualTo(405);
        assertThat(post.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET");
        post.release();
    }

    private FullHttpResponse get(String uri) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri));
        FullHttpResponse res = ch.readOutbound();
        assertThat(res).as("response to GET %s", uri).isNotNull();
        return res;
    }

    @SuppressWarnings("unchecked")
    private static <T> T unused(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "toString" -> "unused " + type.getSimpleName();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> java.util.concurrent.CompletableFuture.failedFuture(
                            new UnsupportedOperationException("not used here: " + method.getName()));
                });
    }
}
