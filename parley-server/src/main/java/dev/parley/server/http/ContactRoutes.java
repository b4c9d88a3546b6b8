package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The caller's contacts (who may add them to groups, depending on their privacy setting):
 * <pre>
 * GET    /v1/contacts         → {"contacts":[user]}
 * PUT    /v1/contacts/{user}  → 204 (idempotent)
 * DELETE /v1/contacts/{user}  → 204 (idempotent)
 * </pre>
 */
final class ContactRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;

    ContactRoutes(Parley parley, ObjectMapper mapper) {
        this.parley = parley;
        this.mapper = mapper;
    }

    CompletionStage<HttpReply> list(ApiRequest req) {
        return req.authenticate(parley).thenCompose(d -> parley.contacts().list(d.userId()))
                .thenApply(this::contactsReply);
    }

    CompletionStage<HttpReply> add(ApiRequest req) {
        String user = req.param("user");
        return req.authenticate(parley).thenCompose(d -> parley.contacts().add(d.userId(), user))
                .thenApply(v -> HttpReply.empty(HttpResponseStatus.NO_CONTENT));
    }

    CompletionStage<HttpReply> remove(ApiRequest req) {
        String user = req.param("user");
        return req.authenticate(parley).thenCompose(d -> parley.contacts().remove(d.userId(), user))
                .thenApply(v -> HttpReply.empty(HttpResponseStatus.NO_CONTENT));
    }

    private HttpReply contactsReply(List<String> contacts) {
        return HttpReply.json(HttpResponseStatus.OK, mapper,
                mapper.createObjectNode().set("contacts", mapper.valueToTree(contacts)));
    }
}
