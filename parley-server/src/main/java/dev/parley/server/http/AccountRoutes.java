package dev.parley.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionStage;

/**
 * Accounts and sessions, the two routes without a token:
 * <pre>
 * POST /v1/users     {"username","password"}                                  → 201 {"user"}
 * POST /v1/sessions  {"username","password","deviceName","replaceOldest"}     → 201 {"user","device","token"}
 * </pre>
 * Both pass the caller's address to the core, which throttles password guessing by it.
 */
final class AccountRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;

    AccountRoutes(Parley parley, ObjectMapper mapper) {
        this.parley = parley;
        this.mapper = mapper;
    }

    CompletionStage<HttpReply> register(ApiRequest req) {
        ObjectNode body = req.json();
        String username = ApiRequest.requiredText(body, "username");
        String password = ApiRequest.requiredText(body, "password");
        return parley.accounts().register(username, password, req.clientAddress()).thenApply(user -> {
            ObjectNode node = mapper.createObjectNode();
            node.put("user", user.id());
            return HttpReply.json(HttpResponseStatus.CREATED, mapper, node);
        });
    }

    CompletionStage<HttpReply> login(ApiRequest req) {
        ObjectNode body = req.json();
        String username = ApiRequest.requiredText(body, "username");
        String password = ApiRequest.requiredText(body, "password");
        String deviceName = ApiRequest.optionalText(body, "deviceName");
        JsonNode replace = body.get("replaceOldest");
        if (replace != null && !replace.isNull() && !replace.isBoolean()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, "replaceOldest must be true or false");
        }
        boolean replaceOldest = replace != null && replace.asBoolean(false);
        return parley.accounts().login(username, password, deviceName, replaceOldest, req.clientAddress())
                .thenApply(login -> {
                    ObjectNode node = mapper.createObjectNode();
                    node.put("user", login.user().id());
                    node.put("device", login.device().deviceId());
                    node.put("token", login.token());
                    return HttpReply.json(HttpResponseStatus.CREATED, mapper, node);
                });
    }
}
