package dev.parley.server.http;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every HTTP request of a connection that is not a WebSocket upgrade: looks it up in the
 * {@link RestApi}'s route table, runs the route's handler and writes its answer or its error.
 * JSON in and out; every error is {@code {"error":{"code":..,"message":..,"retryable":..}}} with
 * the status of its {@link ErrorCode}, plus {@code NOT_FOUND} (404), {@code METHOD_NOT_ALLOWED}
 * (405, with {@code Allow}) and {@code BAD_REQUEST} (400, an unparseable HTTP request, after which
 * the connection closes), which are HTTP matters, not protocol codes ({@link HttpErrors}).
 *
 * <p>Every answer carries {@code X-Content-Type-Options: nosniff} and, but the web client's
 * files, {@code Cache-Control: no-store}; each request is counted under its route's name.
 * {@link HttpExchangeControl}, before this handler, passes a connection's requests on one at a
 * time and in order; this handler answers each as it comes. Core calls return stages that are
 * continued on the channel's event loop, which never blocks. Bodies, passwords and tokens are
 * never logged.
 */
public final class HttpApiHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpApiHandler.class);
    /** The route name of a request the HTTP decoder could not parse. */
    private static final String INVALID = "invalid";

    private final RestApi api;
    private final ServerMetrics metrics;

    private ChannelHandlerContext ctx;

    /**
     * @param api     the routes, shared by every connection
     * @param metrics where requests are counted
     */
    public HttpApiHandler(RestApi api, ServerMetrics metrics) {
        this.api = Objects.requireNonNull(api, "api");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        serve(req);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof DecoderException) {
            // Resets, TLS garbage (a plain-text client on the TLS port): the client's problem, not ours.
            log.debug("HTTP connection {} failed: {}", ctx.channel().id(), cause.toString());
        } else {
            log.warn("unexpected error on HTTP connection {}; closing it", ctx.channel().id(), cause);
        }
        ctx.close();
    }

    /** What is kept of a request once it is released: enough to answer and count it. */
    private record Exchange(HttpMethod method, boolean keepAlive, long startNanos, String route) {
    }

    private void serve(FullHttpRequest req) {
        long start = System.nanoTime();
        HttpMethod method = req.method();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        String route = RouteTable.UNKNOWN;
        CompletionStage<HttpReply> reply;
        try {
            if (req.decoderResult().isFailure()) {
                route = INVALID;
                throw HttpErrors.HttpError.badRequest();
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            RouteTable.Match<RouteTable.Handler> match = api.routes().match(method, uri.rawPath());
            route = match.route();
            if (match instanceof RouteTable.Found<RouteTable.Handler> found) {
                reply = found.handler().handle(
                        new ApiRequest(req, uri, found.params(), ctx.channel().remoteAddress(), api.mapper()));
            } else if (match instanceof RouteTable.MethodNotAllowed<RouteTable.Handler> notAllowed) {
                throw HttpErrors.HttpError.methodNotAllowed(method, notAllowed.allow());
            } else {
                throw HttpErrors.HttpError.notFound();
            }
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        } finally {
            req.release();
        }
        Exchange ex = new Exchange(method, keepAlive, start, route);
        reply.whenCompleteAsync((r, e) -> finish(ex, r != null ? r : errorReply(ex, e)), ctx.executor());
    }

    private void finish(Exchange ex, HttpReply reply) {
        // After an unparseable request the stream position is unknown: close.
        boolean keepAlive = ex.keepAlive() && !api.shuttingDown() && !ex.route().equals(INVALID);
        boolean head = HttpMethod.HEAD.equals(ex.method());
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        if (reply.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set("X-Content-Type-Options", "nosniff");
        if (!ex.route().equals(RestApi.STATIC)) {
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        }
        for (String[] h : reply.headers()) {
            res.headers().add(h[0], h[1]);
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        metrics.httpRequest(ex.method().name(), ex.route(), reply.status().code(), System.nanoTime() - ex.startNanos());
        if (!ctx.channel().isActive()) {
            return;
        }
        ChannelFuture written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private HttpReply errorReply(Exchange ex, Throwable error) {
        Throwable e = HttpErrors.unwrap(error);
        if (e instanceof HttpErrors.HttpError he) {
            return HttpErrors.reply(he, api.mapper());
        }
        ParleyException pe = ParleyException.from(e);
        if (pe.code() == ErrorCode.INTERNAL) {
            log.error("internal error answering {} on {}", ex.route(), ctx.channel().id(), e);
        }
        metrics.error(pe.code());
        return HttpErrors.reply(pe, api.mapper());
    }
}
