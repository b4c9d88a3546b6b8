package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import dev.parley.core.delivery.Views;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionStage;

/**
 * Whether a user is online, as far as the caller may see it:
 * <pre>
 * GET /v1/users/{user}/presence → {"user","online","lastSeen"}
 * </pre>
 */
final class PresenceRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;

    PresenceRoutes(Parley parley, ObjectMapper mapper) {
        this.parley = parley;
        this.mapper = mapper;
    }

    CompletionStage<HttpReply> lookup(ApiRequest req) {
        String user = req.param("user");
        return req.authenticate(parley).thenCompose(d -> parley.presence().lookup(d.userId(), user))
                .thenApply(state -> HttpReply.json(HttpResponseStatus.OK, mapper, mapper.valueToTree(Views.presence(state))));
    }
}
