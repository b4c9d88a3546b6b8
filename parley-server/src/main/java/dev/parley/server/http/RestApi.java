package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Every route of the API port, in one table: built once per server and shared by every
 * connection's {@link HttpApiHandler}. Each feature's routes live in their own class; this one
 * only says which method and path lead where.
 *
 * <p>Every {@code /v1} route but the first two and the Web Push key needs
 * {@code Authorization: Bearer <token>}. A path under {@code /v1} that no route has is 404, never
 * a file. {@code /metrics} is not here but on the admin listener ({@link AdminHttpHandler}).
 */
public final class RestApi {
    /** The route name of the web client's files. */
    static final String STATIC = "static";

    private final ObjectMapper mapper;
    private final BooleanSupplier shuttingDown;
    private final RouteTable<RouteTable.Handler> routes;

    /**
     * @param parley           the core
     * @param mapper           JSON mapper (the wire codec's)
     * @param staticFiles      files served for paths outside the API
     * @param shuttingDown     true once the server is stopping ({@code /health} answers 503, connections close)
     * @param webPushPublicKey the VAPID public key browsers subscribe with, served at
     *                         {@code GET /v1/push/webpush-key}; null when the server sends no Web Push
     */
    public RestApi(Parley parley, ObjectMapper mapper, StaticFiles staticFiles, BooleanSupplier shuttingDown,
                   String webPushPublicKey) {
        Objects.requireNonNull(parley, "parley");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.shuttingDown = Objects.requireNonNull(shuttingDown, "shuttingDown");
        Objects.requireNonNull(staticFiles, "staticFiles");
        HealthRoute health = new HealthRoute(parley, mapper, shuttingDown);
        AccountRoutes accounts = new AccountRoutes(parley, mapper);
        DeviceRoutes devices = new DeviceRoutes(parley, mapper, webPushPublicKey);
        ConversationRoutes conversations = new ConversationRoutes(parley, mapper);
        MessageRoutes messages = new MessageRoutes(parley, mapper);
        PresenceRoutes presence = new PresenceRoutes(parley, mapper);
        ContactRoutes contacts = new ContactRoutes(parley, mapper);
        WebClientRoute webClient = new WebClientRoute(staticFiles);
        this.routes = RouteTable.<RouteTable.Handler>builder()
                .get("/health", health::status)
                .post("/v1/users", accounts::register)
                .post("/v1/sessions", accounts::login)
                .get("/v1/devices", devices::list)
                .delete("/v1/devices/{deviceId}", devices::revoke)
                .put("/v1/devices/current/push", devices::registerPush)
                .delete("/v1/devices/current/push", devices::clearPush)
                .get("/v1/push/webpush-key", devices::webPushKey)
                .get("/v1/conversations", conversations::list)
                .get("/v1/conversations/{conv}", conversations::view)
                .get("/v1/conversations/{conv}/messages", messages::history)
                .get("/v1/users/{user}/presence", presence::lookup)
                .get("/v1/contacts", contacts::list)
                .put("/v1/contacts/{user}", contacts::add)
                .delete("/v1/contacts/{user}", contacts::remove)
                .notFound("/v1/**")
                .named(STATIC, "/**", webClient::file, HttpMethod.GET, HttpMethod.HEAD)
                .build();
    }

    RouteTable<RouteTable.Handler> routes() {
        return routes;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    boolean shuttingDown() {
        return shuttingDown.getAsBoolean();
    }
}
