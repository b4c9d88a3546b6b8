package dev.parley.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import dev.parley.core.account.Device;
import dev.parley.core.account.LoginThrottle;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One REST request as a route's handler reads it: path parameters, query numbers, the JSON body
 * and its fields, the bearer token. Bad input is a {@link ParleyException} with
 * {@code MALFORMED_FRAME} (the body) or {@code INVALID_FIELD} (a field or parameter), missing
 * credentials {@code UNAUTHENTICATED}, each with the same message on every route.
 *
 * <p>Valid only while the handler runs: the request's buffer is released when it returns.
 */
final class ApiRequest {
    private final FullHttpRequest request;
    private final QueryStringDecoder uri;
    private final Map<String, String> params;
    private final SocketAddress remoteAddress;
    private final ObjectMapper mapper;

    ApiRequest(FullHttpRequest request, QueryStringDecoder uri, Map<String, String> params,
               SocketAddress remoteAddress, ObjectMapper mapper) {
        this.request = request;
        this.uri = uri;
        this.params = params;
        this.remoteAddress = remoteAddress;
        this.mapper = mapper;
    }

    HttpMethod method() {
        return request.method();
    }

    /** The decoded path, query left out. */
    String path() {
        return uri.path();
    }

    /** A path parameter of the route's pattern ({@code {name}}), decoded. */
    String param(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalStateException("the route has no parameter " + name);
        }
        return value;
    }

    /** The caller's address as the login throttle keys it. */
    String clientAddress() {
        return LoginThrottle.addressKey(remoteAddress);
    }

    /**
     * The device of the request's {@code Authorization: Bearer <token>}; a failed stage
     * ({@code UNAUTHENTICATED}, or whatever the core refuses with) when there is none.
     */
    CompletionStage<Device> authenticate(Parley parley) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() <= 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAUTHENTICATED,
                    "missing Authorization: Bearer <token> header"));
        }
        try {
            return parley.authenticateRequest(header.substring(7).strip());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The body, which must be a JSON object. */
    ObjectNode json() {
        JsonNode node;
        if (!request.content().isReadable()) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body must be a JSON object");
        }
        try (ByteBufInputStream in = new ByteBufInputStream(request.content().duplicate())) {
            node = mapper.readTree((InputStream) in);
        } catch (JsonProcessingException e) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body cannot be read");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body must be a JSON object");
        }
        return obj;
    }

    /** A string field that must be there. */
    static String requiredText(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " is required");
        }
        if (!v.isTextual()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " must be a string");
        }
        return v.asText();
    }

    /** A string field, or null when absent or null. */
    static String optionalText(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " must be a string");
        }
        return v.asText();
    }

    /** The first value of a whole-number query parameter, or null. */
    Long longParam(String name) {
        List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, name + " must be a whole number");
        }
    }

    /** The same within the range of an int. */
    Integer intParam(String name) {
        Long v = longParam(name);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, name + " is out of range");
        }
        return v.intValue();
    }
}
