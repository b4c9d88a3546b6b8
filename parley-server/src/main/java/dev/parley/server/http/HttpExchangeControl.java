package dev.parley.server.http;

import dev.parley.server.ServerMetrics;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders, bounds and times the exchanges of one plain HTTP connection; sits right after the body
 * aggregator, so it sees whole requests and every response written by the handlers after it.
 *
 * <ul>
 *   <li><b>Pipelining</b> (RFC 9112 section 9.3.2): requests are passed on one at a time, the next
 *       once the previous one's response is written to the socket, so responses go out in request
 *       order whatever the order in which the core completes them, and a client that does not read
 *       holds at most one response. Up to {@code maxPipelinedRequests} requests wait; at that
 *       many, reading from the socket stops (auto-read off, and read requests are held back) until
 *       an answer is written. While this handler is in place it owns auto-read: writability
 *       changes are not passed on.</li>
 *   <li><b>Request deadline</b>: a request must be complete (headers and body) within
 *       {@code requestTimeout} of the read that brought its first byte; otherwise it is answered
 *       408 and the connection closed (closed without an answer when responses are still owed).
 *       A deadline is not extended by further bytes, so a client sending one byte at a time gains
 *       nothing.</li>
 *   <li><b>Idle keep-alive</b>: a connection with nothing in progress (no request being read or
 *       answered) is closed after {@code idleTimeout}.</li>
 *   <li><b>Versions</b>: only HTTP/1.0 and HTTP/1.1 are served; any other version gets 505 and a
 *       close.</li>
 *   <li><b>Drain</b>: while the server drains, a WebSocket upgrade gets 503 {@code SHUTTING_DOWN}
 *       and a close; REST requests are still answered.</li>
 *   <li>Bodies above the limit ({@link HttpBodyLimit.TooLarge}) are answered 413 in their turn.</li>
 *   <li>A client that closes in the middle of a request is logged in one debug line, not as an
 *       error with a stack trace.</li>
 * </ul>
 *
 * <p>When a WebSocket upgrade took the HTTP codec away, this handler removes itself and gives
 * back the connection's place in the {@link HttpConnectionLimit}; so does a closed connection.
 *
 * <p>Threading: every method runs on the channel's event loop.
 */
public final class HttpExchangeControl extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(HttpExchangeControl.class);

    /**
     * What every connection's handler shares.
     *
     * @param requestTimeout       time from a request's first byte until it must be complete
     * @param idleTimeout          time a connection may wait with nothing in progress
     * @param maxPipelinedRequests requests that may wait for their answers before reading pauses
     * @param draining             true while the server drains (WebSocket upgrades are refused)
     * @param connections          the count this connection holds a place in, or null
     * @param metrics              where refusals are counted ({@link ServerMetrics#httpRefused})
     */
    public record Settings(Duration requestTimeout, Duration idleTimeout, int maxPipelinedRequests,
                           BooleanSupplier draining, HttpConnectionLimit connections, ServerMetrics metrics) {
        public Settings {
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(draining, "draining");
            if (maxPipelinedRequests < 1) {
                throw new IllegalArgumentException("maxPipelinedRequests must be at least 1: " + maxPipelinedRequests);
            }
        }
    }

    private final Settings settings;
    /** Requests (and {@link HttpBodyLimit.TooLarge}) waiting for their turn. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(4);

    private ChannelHandlerContext ctx;
    /** A request was passed on (or answered here) and its response is not yet written. */
    private boolean inFlight;
    /** Bytes of a request arrived and the request is not complete: the deadline runs. */
    private boolean receiving;
    /** A whole request came out of the current read. */
    private boolean requestThisRead;
    /** A response closes the connection: nothing more is answered. */
    private boolean closing;
    /** Reading is paused because {@code maxPipelinedRequests} wait. */
    private boolean paused;
    /** The connection became a WebSocket or closed: the handler is done. */
    private boolean done;
    /** A deadline runs: the request deadline, or the idle one. */
    private boolean armed;
    private boolean deadlineIsRequest;
    /** When the deadline passes, in the event loop's ticker's nanoseconds. */
    private long deadlineNanos;
    /**
     * One scheduled task at a time, moved only when a deadline comes earlier than it: a later one
     * re-arms it when it fires. So a connection that upgrades to a WebSocket costs one task.
     */
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    /** An HTTP codec was in the pipeline when this handler was added: its removal means an upgrade. */
    private boolean behindCodec;

    public HttpExchangeControl(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        behindCodec = ctx.pipeline().get(HttpServerCodec.class) != null;
        if (ctx.channel().isActive()) {
            arm(settings.idleTimeout(), false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!armed && !done) {
            arm(settings.idleTimeout(), false);
        }
        super.channelActive(ctx);
    }

    // ---- inbound ---------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest) && !(msg instanceof HttpBodyLimit.TooLarge)) {
            ctx.fireChannelRead(msg); // bytes a removed HTTP codec left behind, for the WebSocket
            return;
        }
        requestThisRead = true;
        receiving = false;
        armed = false; // being answered: no deadline until it is
        if (closing || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        waiting.add(msg);
        passNext();
        if (!done && !paused && outstanding() >= settings.maxPipelinedRequests()) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Every socket read ends here, also one that brought only part of a request.
        if (!requestThisRead && !receiving && !done && !closing) {
            receiving = true;
            arm(settings.requestTimeout(), true);
        }
        requestThisRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Auto-read is this handler's while the connection is HTTP (the handlers after it would turn
        // it back on); responses are written one at a time, so writability needs no action here.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException) {
            // The client went away in the middle of a request (the aggregator says so as the channel
            // closes): its own business, worth a line, not a stack trace.
            log.debug("HTTP connection {} closed by the client in the middle of a request", ctx.channel().id());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        finish();
    }

    // ---- outbound --------------------------------------------------------------------------

    @Override
    public void read(ChannelHandlerContext ctx) {
        // The decoders ask for more bytes to complete a partial request even with auto-read off.
        if (!paused) {
            ctx.read();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res && !HttpUtil.isKeepAlive(res)) {
            closing = true;
        }
        if (msg instanceof LastHttpContent) { // a FullHttpResponse, or the end of a streamed one
            ChannelPromise p = promise.unvoid();
            p.addListener(this::responseWritten);
            ctx.write(msg, p);
        } else {
            ctx.write(msg, promise);
        }
    }

    // ---- the exchanges ---------------------------------------------------------------------

    /** Requests waiting or being answered. */
    private int outstanding() {
        return waiting.size() + (inFlight ? 1 : 0);
    }

    /** Passes on (or answers) the next waiting request when none is in flight. */
    private void passNext() {
        while (!inFlight && !closing && !done && !waiting.isEmpty() && ctx.channel().isActive()) {
            Object next = waiting.poll();
            inFlight = true;
            if (next instanceof HttpBodyLimit.TooLarge tooLarge) {
                settings.metrics().httpRefused("body_too_large");
                respond(HttpErrors.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, HttpBodyLimit.CODE,
                        HttpBodyLimit.message(tooLarge.maxBodyBytes()), false, tooLarge.close()));
                continue;
            }
            FullHttpRequest req = (FullHttpRequest) next;
            HttpVersion v = req.protocolVersion();
            if (req.decoderResult().isSuccess() && (!v.protocolName().equals("HTTP") || v.majorVersion() != 1
                    || v.minorVersion() > 1)) {
                req.release();
                settings.metrics().httpRefused("version_not_supported");
                respond(HttpErrors.response(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP_VERSION_NOT_SUPPORTED",
                        "HTTP version " + v.text() + " is not supported; use HTTP/1.1", false, true));
                continue;
            }
            if (settings.draining().getAsBoolean()
                    && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                req.release();
                settings.metrics().httpRefused("draining");
                FullHttpResponse refused = HttpErrors.response(HttpResponseStatus.SERVICE_UNAVAILABLE, "SHUTTING_DOWN",
                        "the server is shutting down; connect again, possibly to another server", true, true);
                refused.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
                respond(refused);
                continue;
            }
            ctx.fireChannelRead(req);
            if (behindCodec && ctx.pipeline().get(HttpServerCodec.class) == null) {
                // The request was a WebSocket upgrade, and the connection is no longer HTTP.
                finish();
                ctx.pipeline().remove(this);
                return;
            }
        }
    }

    /** Writes a response of this handler's own (it does not pass through {@link #write}). */
    private void respond(FullHttpResponse res) {
        boolean close = !HttpUtil.isKeepAlive(res);
        if (close) {
            closing = true;
        }
        ChannelFuture written = ctx.writeAndFlush(res);
        written.addListener(this::responseWritten);
        if (close) {
            written.addListener(f -> ctx.close());
        }
    }

    private void responseWritten(Future<? super Void> f) {
        inFlight = false;
        if (closing || done || !f.isSuccess()) {
            dropWaiting();
            return;
        }
        if (paused && outstanding() < settings.maxPipelinedRequests()) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
        passNext();
        if (!inFlight && waiting.isEmpty() && !receiving && !done) {
            arm(settings.idleTimeout(), false);
        }
    }

    // ---- timers ----------------------------------------------------------------------------

    private void arm(Duration after, boolean request) {
        long now = ctx.executor().ticker().nanoTime();
        armed = true;
        deadlineIsRequest = request;
        deadlineNanos = now + after.toNanos();
        if (timer != null && timerAtNanos - deadlineNanos > 0) {
            timer.cancel(false);
            timer = null;
        }
        if (timer == null) {
            schedule(deadlineNanos - now);
        }
    }

    private void schedule(long delayNanos) {
        timerAtNanos = ctx.executor().ticker().nanoTime() + delayNanos;
        timer = ctx.executor().schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (!armed || done || !ctx.channel().isActive()) {
            return;
        }
        long left = deadlineNanos - ctx.executor().ticker().nanoTime();
        if (left > 0) {
            schedule(left); // the deadline moved later since the task was scheduled
            return;
        }
        armed = false;
        expired(deadlineIsRequest);
    }

    private void expired(boolean requestDeadline) {
        if (!requestDeadline) {
            log.debug("HTTP connection {} idle for {} ms; closing it", ctx.channel().id(),
                    settings.idleTimeout().toMillis());
            ctx.close();
            return;
        }
        log.debug("HTTP connection {}: request not complete within {} ms; closing it", ctx.channel().id(),
                settings.requestTimeout().toMillis());
        closing = true;
        settings.metrics().httpRefused("request_timeout");
        if (!inFlight && waiting.isEmpty()) {
            // Flushed before the close, so that a client still reading learns why.
            ctx.writeAndFlush(HttpErrors.response(HttpResponseStatus.REQUEST_TIMEOUT, "REQUEST_TIMEOUT",
                    "the request was not complete within " + settings.requestTimeout().toMillis() + " ms", false, true));
        }
        ctx.close();
    }

    // ---- the end ---------------------------------------------------------------------------

    /** Once: the connection closed or became a WebSocket. */
    private void finish() {
        if (done) {
            return;
        }
        done = true;
        armed = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        dropWaiting();
        if (paused) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
        if (settings.connections() != null) {
            settings.connections().release();
        }
    }

    private void dropWaiting() {
        Object m;
        while ((m = waiting.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
