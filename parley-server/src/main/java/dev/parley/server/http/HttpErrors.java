package dev.parley.server.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

/**
 * The API's one error shape, {@code {"error":{"code":..,"message":..,"retryable":..}}}: the
 * responses of the transport's guards below the REST handler, and the REST handler's mapping of
 * a failure to its answer ({@link #reply(ParleyException, ObjectMapper)}, {@link #reply(HttpError, ObjectMapper)}).
 */
final class HttpErrors {
    private HttpErrors() {
    }

    /** The JSON error body. */
    static byte[] body(String code, String message, boolean retryable) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        return ("{\"error\":{\"code\":\"" + new String(json.quoteAsString(code)) + "\",\"message\":\""
                + new String(json.quoteAsString(message)) + "\",\"retryable\":" + retryable + "}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A complete error response; {@code close} adds {@code Connection: close}. */
    static FullHttpResponse response(HttpResponseStatus status, String code, String message, boolean retryable,
                                     boolean close) {
        byte[] body = body(code, message, retryable);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        res.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setKeepAlive(res, !close);
        return res;
    }

    // ---- the REST handler's errors ------------------------------------------------------

    /** An HTTP-level failure with a status and a code that is not a protocol {@link ErrorCode}. */
    static final class HttpError extends RuntimeException {
        final HttpResponseStatus status;
        final String code;
        /** The {@code Allow} header of a 405, else null. */
        final String allow;

        HttpError(HttpResponseStatus status, String code, String message, String allow) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.allow = allow;
        }

        static HttpError notFound() {
            return new HttpError(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no such resource", null);
        }

        /** 405 for {@code actual}; {@code allow} is the route's methods, comma separated. */
        static HttpError methodNotAllowed(HttpMethod actual, String allow) {
            return new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                    "method " + actual.name() + " is not allowed here; use " + allow, allow);
        }

        static HttpError badRequest() {
            return new HttpError(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", "malformed HTTP request", null);
        }
    }

    /** What failed, without the wrapper a stage puts around it. */
    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** An HTTP-level error's answer, with {@code Allow} on a 405. */
    static HttpReply reply(HttpError e, ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", e.code);
        error.put("message", e.getMessage());
        error.put("retryable", false);
        HttpReply r = HttpReply.json(e.status, mapper, root);
        return e.allow == null ? r : r.withHeader(HttpHeaderNames.ALLOW, e.allow);
    }

    /**
     * A protocol error's answer: the status of its code, {@code WWW-Authenticate: Bearer} when
     * unauthenticated, and a retry hint in whole seconds ({@code Retry-After}) and in
     * milliseconds ({@code retryAfterMs}) when it has one.
     */
    static HttpReply reply(ParleyException e, ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", e.code().name());
        error.put("message", e.getMessage());
        error.put("retryable", e.code().retryable());
        if (e.retryAfterMs() > 0) {
            error.put("retryAfterMs", e.retryAfterMs());
        }
        HttpReply r = HttpReply.json(HttpResponseStatus.valueOf(e.code().httpStatus()), mapper, root);
        if (e.code() == ErrorCode.UNAUTHENTICATED) {
            return r.withHeader(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (e.retryAfterMs() > 0) {
            // Retry-After counts whole seconds; round up so a client that obeys it is not refused again.
            return r.withHeader(HttpHeaderNames.RETRY_AFTER, Long.toString((e.retryAfterMs() + 999) / 1000));
        }
        return r;
    }
}
