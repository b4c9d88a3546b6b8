package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * The API port's liveness check, for load balancers: no token, no store call.
 * <pre>
 * GET /health → {"status":"UP","server","sessions"} (503 {"status":"SHUTTING_DOWN",..} while shutting down)
 * </pre>
 * The admin listener answers its own {@code /health} ({@link AdminHttpHandler}).
 */
final class HealthRoute {
    private final Parley parley;
    private final ObjectMapper mapper;
    private final BooleanSupplier shuttingDown;

    HealthRoute(Parley parley, ObjectMapper mapper, BooleanSupplier shuttingDown) {
        this.parley = parley;
        this.mapper = mapper;
        this.shuttingDown = shuttingDown;
    }

    CompletionStage<HttpReply> status(ApiRequest req) {
        boolean down = shuttingDown.getAsBoolean();
        ObjectNode node = mapper.createObjectNode();
        node.put("status", down ? "SHUTTING_DOWN" : "UP");
        node.put("server", parley.serverId());
        node.put("sessions", parley.sessionCount());
        return CompletableFuture.completedFuture(HttpReply.json(
                down ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, mapper, node));
    }
}
