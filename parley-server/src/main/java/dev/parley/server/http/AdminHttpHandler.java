package dev.parley.server.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.parley.core.Parley;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's handler ({@code server.admin.host}:{@code server.admin.port}, loopback by
 * default): {@code GET /metrics} (Prometheus text format) and {@code GET /health} (as on the API
 * port). Metrics live here, not on the API port, so that they are never public by accident.
 * Anything else is 404, another method 405. Stateless, so one instance serves every connection.
 */
@ChannelHandler.Sharable
public final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final Parley parley;
    private final ServerMetrics metrics;
    private final BooleanSupplier shuttingDown;

    /**
     * @param parley       the core (server id and session count of {@code /health})
     * @param metrics      what {@code /metrics} serves; must be {@link ServerMetrics#scrapable()}
     * @param shuttingDown true once the server drains ({@code /health} answers 503)
     */
    public AdminHttpHandler(Parley parley, ServerMetrics metrics, BooleanSupplier shuttingDown) {
        this.parley = Objects.requireNonNull(parley, "parley");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.shuttingDown = Objects.requireNonNull(shuttingDown, "shuttingDown");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        FullHttpResponse res;
        String path = new QueryStringDecoder(req.uri()).path();
        boolean known = path.equals("/metrics") || path.equals("/health");
        if (!req.decoderResult().isSuccess()) {
            res = HttpErrors.response(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", "malformed HTTP request", false, true);
        } else if (!known) {
            res = HttpErrors.response(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no such resource", false, false);
        } else if (!HttpMethod.GET.equals(req.method())) {
            res = HttpErrors.response(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                    "method " + req.method().name() + " is not allowed here; use GET", false, false);
            res.headers().set(HttpHeaderNames.ALLOW, "GET");
        } else if (path.equals("/metrics")) {
            res = text(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        } else {
            boolean down = shuttingDown.getAsBoolean();
            res = text(down ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, "application/json",
                    "{\"status\":\"" + (down ? "SHUTTING_DOWN" : "UP") + "\",\"server\":\""
                            + new String(JsonStringEncoder.getInstance().quoteAsString(parley.serverId())) + "\",\"sessions\":" + parley.sessionCount() + "}");
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req) && HttpUtil.isKeepAlive(res);
        HttpUtil.setKeepAlive(res, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(res);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof io.netty.handler.codec.DecoderException) {
            log.debug("admin connection {} failed: {}", ctx.channel().id(), cause.toString());
        } else {
            log.warn("unexpected error on admin connection {}; closing it", ctx.channel().id(), cause);
        }
        ctx.close();
    }

    private static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return res;
    }
}
