package dev.parley.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The route table alone, with strings for handlers. */
class RouteTableTest {
    private final RouteTable<String> table = RouteTable.<String>builder()
            .get("/health", "health")
            .post("/v1/users", "register")
            .delete("/v1/devices/{deviceId}", "revoke")
            .put("/v1/devices/current/push", "push on")
            .delete("/v1/devices/current/push", "push off")
            .get("/v1/conversations/{conv}/messages", "history")
            .put("/v1/contacts/{user}", "add")
            .delete("/v1/contacts/{user}", "remove")
            .notFound("/v1/**")
            .named("static", "/**", "file", HttpMethod.GET, HttpMethod.HEAD)
            .build();

    @Test
    void aLiteralPathLeadsToItsMethodsHandler() {
        assertThat(table.match(HttpMethod.POST, "/v1/users"))
                .isEqualTo(new RouteTable.Found<>("/v1/users", "register", Map.of()));
        assertThat(table.match(HttpMethod.PUT, "/v1/devices/current/push"))
                .isEqualTo(new RouteTable.Found<>("/v1/devices/current/push", "push on", Map.of()));
        assertThat(table.match(HttpMethod.DELETE, "/v1/devices/current/push"))
                .isEqualTo(new RouteTable.Found<>("/v1/devices/current/push", "push off", Map.of()));
    }

    @Test
    void parametersTakeOneDecodedSegmentEach() {
        assertThat(table.match(HttpMethod.GET, "/v1/conversations/g%3Aabc/messages"))
                .isEqualTo(new RouteTable.Found<>("/v1/conversations/{conv}/messages", "history",
                        Map.of("conv", "g:abc")));
        // an encoded slash stays inside its segment: still one parameter
        assertThat(table.match(HttpMethod.DELETE, "/v1/contacts/a%2Fb"))
                .isEqualTo(new RouteTable.Found<>("/v1/contacts/{user}", "remove", Map.of("user", "a/b")));
        // a literal route and a parameter of another length do not meet
        assertThat(table.match(HttpMethod.DELETE, "/v1/devices/current"))
                .isEqualTo(new RouteTable.Found<>("/v1/devices/{deviceId}", "revoke", Map.of("deviceId", "current")));
    }

    @Test
    void emptySegmentsAreLeftOut() {
        assertThat(table.match(HttpMethod.GET, "//health/")).isInstanceOf(RouteTable.Found.class);
        assertThat(table.match(HttpMethod.POST, "/v1//users")).isInstanceOf(RouteTable.Found.class);
    }

    @Test
    void anotherMethodIs405WithTheRoutesMethodsInTheOrderTheyWereAdded() {
        assertThat(table.match(HttpMethod.GET, "/v1/contacts/bob"))
                .isEqualTo(new RouteTable.MethodNotAllowed<>("/v1/contacts/{user}", "PUT, DELETE"));
        assertThat(table.match(HttpMethod.GET, "/v1/users"))
                .isEqualTo(new RouteTable.MethodNotAllowed<>("/v1/users", "POST"));
        assertThat(table.match(HttpMethod.valueOf("PATCH"), "/v1/devices/current/push"))
                .isEqualTo(new RouteTable.MethodNotAllowed<>("/v1/devices/current/push", "PUT, DELETE"));
    }

    @Test
    void theFirstPatternThatMatchesDecidesEvenAgainstALaterCatchAll() {
        // /health takes GET only, although the catch-all after it would take HEAD
        assertThat(table.match(HttpMethod.HEAD, "/health"))
                .isEqualTo(new RouteTable.MethodNotAllowed<>("/health", "GET"));
        assertThat(table.match(HttpMethod.HEAD, "/health/x"))
                .isEqualTo(new RouteTable.Found<>("static", "file", Map.of()));
    }

    @Test
    void aFencedOffSpaceIs404AndNeverReachesTheCatchAll() {
        assertThat(table.match(HttpMethod.GET, "/v1/nothing/here")).isEqualTo(new RouteTable.NotFound<>("unknown"));
        assertThat(table.match(HttpMethod.GET, "/v1")).isEqualTo(new RouteTable.NotFound<>("unknown"));
        assertThat(table.match(HttpMethod.GET, "/v1/users/bob")).isEqualTo(new RouteTable.NotFound<>("unknown"));
        // "v1/users" is one segment, not the API's v1
        assertThat(table.match(HttpMethod.GET, "/v1%2Fusers")).isEqualTo(new RouteTable.Found<>("static", "file", Map.of()));
    }

    @Test
    void aCatchAllTakesTheRootAndAnyDepthUnderItsName() {
        assertThat(table.match(HttpMethod.GET, "/")).isEqualTo(new RouteTable.Found<>("static", "file", Map.of()));
        assertThat(table.match(HttpMethod.HEAD, "/css/app.css")).isEqualTo(new RouteTable.Found<>("static", "file", Map.of()));
        assertThat(table.match(HttpMethod.POST, "/index.html"))
                .isEqualTo(new RouteTable.MethodNotAllowed<>("static", "GET, HEAD"));
    }

    @Test
    void aPathNoPatternClaimsIsUnknown() {
        RouteTable<String> small = RouteTable.<String>builder().get("/a/{b}", "ab").build();
        assertThat(small.match(HttpMethod.GET, "/a")).isEqualTo(new RouteTable.NotFound<>("unknown"));
        assertThat(small.match(HttpMethod.GET, "/a/b/c")).isEqualTo(new RouteTable.NotFound<>("unknown"));
        assertThat(small.match(HttpMethod.GET, "/")).isEqualTo(new RouteTable.NotFound<>("unknown"));
    }

    @Test
    void mistakesInTheTableAreRefusedWhenItIsBuilt() {
        assertThatThrownBy(() -> RouteTable.<String>builder().get("/a", "one").get("/a", "two"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already routed");
        assertThatThrownBy(() -> RouteTable.<String>builder().get("a", "one"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starts with /");
        assertThatThrownBy(() -> RouteTable.<String>builder().get("/a/**/b", "one").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("may only end");
        assertThatThrownBy(() -> RouteTable.<String>builder().get("/a", "one").named("x", "/a", "two", HttpMethod.PUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already named");
    }
}
