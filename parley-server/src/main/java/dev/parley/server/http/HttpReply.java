package dev.parley.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * A REST answer before it is written: status, body with its content type (null: none) and the
 * headers of this answer alone; {@link HttpApiHandler} adds the ones every answer carries.
 */
record HttpReply(HttpResponseStatus status, String contentType, byte[] body, List<String[]> headers) {
    static final String JSON = "application/json";

    static HttpReply json(HttpResponseStatus status, byte[] body) {
        return new HttpReply(status, JSON, body, List.of());
    }

    /** {@code node} encoded by {@code mapper}. */
    static HttpReply json(HttpResponseStatus status, ObjectMapper mapper, JsonNode node) {
        return json(status, bytes(mapper, node));
    }

    static HttpReply empty(HttpResponseStatus status) {
        return new HttpReply(status, null, new byte[0], List.of());
    }

    /** The same answer with one header more. */
    HttpReply withHeader(CharSequence name, String value) {
        List<String[]> more = new ArrayList<>(headers);
        more.add(new String[] {name.toString(), value});
        return new HttpReply(status, contentType, body, List.copyOf(more));
    }

    static byte[] bytes(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a JSON tree", e);
        }
    }
}
