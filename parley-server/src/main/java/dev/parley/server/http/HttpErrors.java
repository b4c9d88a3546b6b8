package dev.parley.server.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Error responses written below the REST handler (by the transport's guards), in the API's one
 * error shape: {@code {"error":{"code":..,"message":..,"retryable":..}}}.
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
}
