package dev.parley.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.delivery.Views;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The caller's conversations, direct and groups, as the WebSocket's {@code conversations} shows them:
 * <pre>
 * GET /v1/conversations          → {"conversations":[ConversationView]}
 * GET /v1/conversations/{conv}   → ConversationView (members only)
 * </pre>
 */
final class ConversationRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;

    ConversationRoutes(Parley parley, ObjectMapper mapper) {
        this.parley = parley;
        this.mapper = mapper;
    }

    CompletionStage<HttpReply> list(ApiRequest req) {
        return req.authenticate(parley).thenCompose(d -> parley.conversations().list(d.userId()))
                .thenCompose(this::views)
                .thenApply(views -> {
                    ObjectNode root = mapper.createObjectNode();
                    ArrayNode arr = root.putArray("conversations");
                    views.forEach(arr::add);
                    return HttpReply.json(HttpResponseStatus.OK, mapper, root);
                });
    }

    CompletionStage<HttpReply> view(ApiRequest req) {
        String conv = req.param("conv");
        return req.authenticate(parley).thenCompose(d -> parley.conversations().requireMember(conv, d.userId()))
                .thenCompose(this::conversationView)
                .thenApply(view -> HttpReply.json(HttpResponseStatus.OK, mapper, view));
    }

    /** Every conversation's view, in the order of the list; all asked for at once. */
    private CompletionStage<List<JsonNode>> views(List<Conversation> conversations) {
        List<CompletableFuture<JsonNode>> views = conversations.stream()
                .map(c -> conversationView(c).toCompletableFuture())
                .toList();
        return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                .thenApply(v -> views.stream().map(CompletableFuture::join).toList());
    }

    /** One conversation as the WebSocket's {@code conversations} frame shows it. */
    private CompletionStage<JsonNode> conversationView(Conversation c) {
        return parley.messaging().lastSeq(c.id()).thenApply(last -> mapper.valueToTree(Views.conversation(c, last)));
    }
}
