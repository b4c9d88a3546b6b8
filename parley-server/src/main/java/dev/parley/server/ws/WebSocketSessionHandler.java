package dev.parley.server.ws;

import static dev.parley.server.ws.WebSocketFrames.MAX_HEADER_BYTES;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_CLOSE;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_PONG;
import static dev.parley.server.ws.WebSocketFrames.OPCODE_TEXT;
import static dev.parley.server.ws.WebSocketFrames.closeFrame;
import static dev.parley.server.ws.WebSocketFrames.headerBytes;
import static dev.parley.server.ws.WebSocketFrames.setHeader;
import static dev.parley.server.ws.WebSocketFrames.wireFrame;

import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import dev.parley.server.ParleyChannelInitializer;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application end of a connection: the Netty handler that ties a WebSocket's frames to the
 * core's session and is that session's {@link Transport}. HTTP requests that are not a WebSocket
 * upgrade pass through to the next handler.
 *
 * <p>About 550 lines, over the house's 400, with reason: what is left here is the glue (Netty's
 * callbacks, reading paused for a peer that does not read, the outbound limit, the rate limit,
 * closing, and every call into the core), and the write path (from {@link #send} to the flush)
 * stays whole in one class. Splitting it further would take one more base class or one more object
 * per connection. Its parts, all one object per connection (an idle connection's memory is counted
 * in bytes):
 * <ul>
 *   <li>{@link WebSocketFrames}, stateless: the wire format (RFC 6455 section 5), read and written
 *       by hand (Netty's decoder, encoder and aggregator would be more objects and handler
 *       contexts per connection);</li>
 *   <li>{@link WebSocketFrameReader}, a base class: a partial frame and the fragments of a message,
 *       protocol violations (1002), frames and messages above the hard limit (1009);</li>
 *   <li>{@link WebSocketAuthentication}, a base class: the states from the upgrade to an open
 *       session and what becomes of a message in each: held, the first one checked as {@code auth},
 *       or checked (size, UTF-8, rate limit), decoded and handed to the session.</li>
 * </ul>
 *
 * <p>Once upgraded it is the WebSocket's only handler: it answers pings, drops pongs, echoes a
 * peer's close frame and closes, and sends a normal-closure frame (1000) when the channel is
 * closed without one. It also keeps the time of the connection's last read, bytes of a partial
 * frame included ({@link #onRead()} before the upgrade, called by the first handler), which
 * {@link dev.parley.server.IdleSweep} checks instead of a timer per connection.
 *
 * <p>What it holds for a connection is bounded, before authentication too. Every reply (answers,
 * errors, events, pongs) is written through one check: a frame that would take the bytes waiting
 * for the peer above {@link WebSocketSettings#outboundHardLimitBytes()} is dropped and the
 * connection closed with 1008. While the channel is not writable (above the write buffer's
 * high-water mark) no frame is handled and nothing more is read from the socket; both resume when
 * it drains. Every data frame and ping takes from the connection's rate limit: over it, a request
 * with an id gets {@code RATE_LIMITED}, a ping no pong, a bad frame no error, and a frame before
 * authentication closes the connection (1008). A close frame that is not written within
 * {@link WebSocketSettings#closeTimeout()} (the peer does not read) is given up and the socket reset.
 *
 * <p>Threading: every method runs on the channel's event loop; core results are continued there,
 * so the handler's state needs no locks and the event loop never waits.
 */
public final class WebSocketSessionHandler extends WebSocketAuthentication implements Transport {
    /** Bytes read while the peer does not read, after which reading stops until it does. */
    static final int HELD_WHILE_NOT_WRITABLE = 4096;

    private static final Logger log = LoggerFactory.getLogger(WebSocketSessionHandler.class);

    /** Time allowed between the upgrade and a successful authentication. */
    public static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);
    /** Frames kept while authentication is in flight; more close the connection. */
    public static final int MAX_PENDING_FRAMES = 64;

    // Fields are few and small on purpose: an idle connection keeps this object (see IdleSweep);
    // the base classes add the reader's and the authentication's.
    private boolean upgraded;
    /** The open session; null before authentication and once it was told that the connection closed. */
    private Transport.Listener session;
    private boolean flushScheduled;
    /** {@link System#nanoTime()} of the last read from the peer. */
    private long lastReadNanos = System.nanoTime();
    /** When the read that brought a ping whose pong waits for the next flush happened; 0 for none. */
    private long pongReadNanos;
    /**
     * The rate limit as a generic cell rate algorithm (one long instead of a token bucket's two
     * fields): the ticker time at which the bucket is full again. A frame is allowed while this is
     * at most {@code burst - 1} intervals ahead of now.
     */
    private long rateFullAt;

    /** A handler for one connection; see {@link WebSocketSettings} for the parameters. */
    public WebSocketSessionHandler(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                                   Duration authTimeout) {
        this(new WebSocketSettings(gateway, codec, metrics, maxFrameBytes, authTimeout));
    }

    /** A handler for one connection, with settings shared by all. */
    public WebSocketSessionHandler(WebSocketSettings settings) {
        super(settings);
        this.rateFullAt = settings.ticker().getAsLong();
    }

    /** Whether {@code channel} is an upgraded WebSocket (for shutdown). */
    public static boolean isWebSocket(Channel channel) {
        return channel.pipeline().get(ParleyChannelInitializer.SESSION_HANDLER) instanceof WebSocketSessionHandler h
                && h.upgraded;
    }

    // ---- idle detection --------------------------------------------------------------------

    /** The peer sent something (any bytes, before decoding). Called on the event loop. */
    public void onRead() {
        lastReadNanos = System.nanoTime();
    }

    /**
     * Closes the connection when nothing was read for {@code timeoutNanos}: a WebSocket with 1001
     * {@code heartbeat timeout}, or 1008 when reading was paused because the client does not read
     * what it is sent; a keep-alive HTTP connection, or a WebSocket whose close frame is still not
     * written, at once. Call on the event loop.
     *
     * @return true when it closed the connection
     */
    public boolean closeIfIdle(long nowNanos, long timeoutNanos) {
        if (nowNanos - lastReadNanos < timeoutNanos || ctx == null || !ctx.channel().isActive()) {
            return false;
        }
        if (upgraded && state != State.CLOSED && !ctx.channel().isWritable()) {
            // Nothing was read because the client reads nothing: a stall, not a lost connection.
            settings.metrics().readerStalled();
            log.info("WebSocket {}: the client read nothing for {} s ({} bytes wait); closing it (1008)",
                    ctx.channel().id(), TimeUnit.NANOSECONDS.toSeconds(timeoutNanos), pendingOutboundBytes());
            closeWebSocket(1008, "the client does not read");
        } else if (upgraded && state != State.CLOSED) {
            closeWebSocket(1001, "heartbeat timeout");
        } else {
            // Plain HTTP, or a close that is still waiting for its frame to be written: dropped.
            ctx.close();
        }
        return true;
    }

    // ---- inbound ---------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            onWireBytes(bytes);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Bytes of the WebSocket (only a WebSocket's pipeline hands this handler raw bytes): reads as
     * many whole frames as they complete and keeps the rest. Bytes that arrive while the handshake
     * response is still being written wait for {@link #onHandshake}. Takes ownership.
     */
    private void onWireBytes(ByteBuf bytes) {
        lastReadNanos = System.nanoTime(); // before decoding: partial frames count as activity
        if (state == State.CLOSED) {
            bytes.release();
            return;
        }
        ByteBuf in = withPartialFrame(bytes);
        if (!upgraded) {
            keepPartialFrame(in);
            return;
        }
        readFrames(in);
    }

    /**
     * Handles every whole frame in {@code in}, then keeps the rest (or releases {@code in}). While
     * the connection is not writable the rest waits: each frame may be answered, and the peer is
     * not reading. Reading from the socket pauses meanwhile ({@link #updateAutoRead}), so what
     * waits is at most one read and one partial frame; {@link #channelWritabilityChanged} resumes.
     */
    private void readFrames(ByteBuf in) {
        try {
            while (state != State.CLOSED && ctx.channel().isWritable() && readFrame(in)) {
                // one frame handled per turn
            }
        } finally {
            if (state != State.CLOSED && in.isReadable() && ctx.channel().isActive()) {
                in.discardSomeReadBytes();
                keepPartialFrame(in);
            } else {
                in.release();
            }
            if (state != State.CLOSED && ctx.channel().isActive()) {
                updateAutoRead();
            }
        }
    }

    @Override
    long hardLimit() {
        return settings.hardLimit();
    }

    @Override
    void onPing(ByteBuf payload) {
        // A ping costs a reply as a request does, so it counts against the same rate limit.
        if (ctx.channel().isActive() && allowFrame()) {
            writeBounded(wireFrame(ctx.alloc(), OPCODE_PONG, payload));
        } else {
            payload.release();
        }
    }

    /** The peer's closing handshake: its close frame is echoed, then the connection closes (RFC 6455 section 5.5.1). */
    @Override
    void onCloseFrame(ByteBuf payload) {
        if (!ctx.channel().isActive()) {
            payload.release();
            return;
        }
        beginClosing();
        ctx.writeAndFlush(wireFrame(ctx.alloc(), OPCODE_CLOSE, payload)).addListener(ChannelFutureListener.CLOSE);
        dropAfterCloseTimeout();
    }

    /**
     * A close of an open WebSocket that did not send a close frame first (shutdown, for example)
     * sends a normal-closure frame before the TCP close, as Netty's protocol handler did.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        if (upgraded && state != State.CLOSED && ctx.channel().isActive()) {
            state = State.CLOSED;
            ctx.writeAndFlush(closeFrame(ctx.alloc(), 1000, ""), ctx.voidPromise());
        }
        ctx.close(promise);
    }

    /** Frames written to the channel by others are encoded here too (this handler is the encoder). */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof WebSocketFrame frame && upgraded) {
            ctx.write(wireFrame(ctx.alloc(), WebSocketFrames.opcodeOf(frame), frame.content()), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
            onHandshake(hc);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateAutoRead();
        if (ctx.channel().isWritable()) {
            if (upgraded && state != State.CLOSED) {
                ByteBuf held = takePartialFrame(); // frames that waited for the peer to read
                if (held != null) {
                    readFrames(held);
                }
            }
            if (state == State.OPEN && ctx.channel().isWritable()) {
                sessionWritable();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Reads from the socket while the peer reads what it is sent (the channel is writable), and
     * while it does not, until {@link #HELD_WHILE_NOT_WRITABLE} bytes wait: a stalled reader that
     * keeps sending heartbeats is seen alive (the idle sweep drops only a peer that sends nothing or
     * filled that allowance), and no token is being checked. A closing connection keeps reading: its input is dropped,
     * and the read notices the peer's end.
     */
    @Override
    void updateAutoRead() {
        boolean read = state != State.AUTHENTICATING && (state == State.CLOSED || ctx.channel().isWritable()
                || heldBytes() < HELD_WHILE_NOT_WRITABLE);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        enterClosed();
        releaseReaderState();
        if (upgraded) {
            settings.metrics().connectionClosed();
        }
        sessionClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!upgraded) {
            ctx.fireExceptionCaught(cause); // plain HTTP: the API handler answers or closes
            return;
        }
        if (cause instanceof IOException) {
            // A reset peer needs no close frame.
            log.debug("WebSocket {} failed: {}", ctx.channel().id(), cause.toString());
            state = State.CLOSED;
            ctx.close();
        } else {
            log.warn("unexpected error on WebSocket {}; closing it", ctx.channel().id(), cause);
            closeWebSocket(1011, "internal error");
        }
    }

    private void onHandshake(WebSocketServerProtocolHandler.HandshakeComplete hc) {
        upgraded = true;
        // A WebSocket never carries REST requests again: its REST handler would only take memory.
        if (ctx.pipeline().get(ParleyChannelInitializer.REST_HANDLER) != null) {
            ctx.pipeline().remove(ParleyChannelInitializer.REST_HANDLER);
        }
        // From now on this handler sees the raw bytes and notes reads itself.
        if (ctx.pipeline().get(ParleyChannelInitializer.ACTIVITY_HANDLER) != null) {
            ctx.pipeline().remove(ParleyChannelInitializer.ACTIVITY_HANDLER);
        }
        settings.metrics().connectionOpened();
        if (!onUpgrade(hc)) {
            return;
        }
        ByteBuf early = takePartialFrame(); // frames that came right behind the handshake
        if (early != null) {
            readFrames(early);
        }
    }

    // ---- outbound --------------------------------------------------------------------------

    @Override
    void sendError(String requestId, ParleyException e) {
        settings.metrics().error(e.code());
        send(ServerFrame.Error.of(requestId, e));
    }

    /** Sends a close frame with {@code code} and closes once it is written. Idempotent. */
    @Override
    void closeWebSocket(int code, String reason) {
        if (state == State.CLOSED || !ctx.channel().isActive()) {
            return;
        }
        beginClosing();
        ctx.writeAndFlush(closeFrame(ctx.alloc(), code, reason)).addListener(ChannelFutureListener.CLOSE);
        dropAfterCloseTimeout();
    }

    /** From here on input is dropped and nothing more is sent but the close frame. */
    private void beginClosing() {
        enterClosed();
        releaseReaderState();
        updateAutoRead();
    }

    /**
     * A close frame waits behind what the peer has not read: if it is not written within the
     * close timeout, the socket is reset without it, and what waited is freed. A task only for
     * closing connections, cancelled when the channel closes.
     */
    private void dropAfterCloseTimeout() {
        Channel ch = ctx.channel();
        if (!ch.isOpen()) {
            return;
        }
        ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
            if (ch.isOpen()) {
                settings.metrics().closeTimedOut();
                log.debug("WebSocket {}: close frame not written within {} ms ({} bytes unread); dropping it",
                        ch.id(), settings.closeTimeout().toMillis(), pendingOutboundBytes());
                ch.config().setOption(ChannelOption.SO_LINGER, 0); // a reset: the kernel keeps nothing either
                ch.close();
            }
        }, settings.closeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
    }

    /**
     * Writes one frame (flushed at the end of the task) unless the bytes waiting for the peer would
     * pass the hard limit: then the frame is dropped and the connection closed with 1008. Every
     * reply goes through here; only close frames do not (they are small and end the connection).
     *
     * @return whether {@code wire} was written; it is released when not
     */
    private boolean writeBounded(ByteBuf wire) {
        long waiting = pendingOutboundBytes() + wire.readableBytes();
        if (waiting > settings.outboundHardLimitBytes()) {
            wire.release();
            settings.metrics().outboundOverflow();
            log.info("WebSocket {}: {} bytes would wait for a client that does not read (limit {}); closing it (1008)",
                    ctx.channel().id(), waiting, settings.outboundHardLimitBytes());
            closeWebSocket(1008, "outbound limit exceeded: the client does not read");
            return false;
        }
        ctx.write(wire, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            settings.metrics().outboundPending(waiting);
        }
        scheduleFlush();
        return true;
    }

    /**
     * Bytes written to this connection and not yet handed to the kernel (TLS records being
     * encrypted included): what the server holds for a peer that does not read. Call on the
     * event loop.
     */
    public long pendingOutboundBytes() {
        ChannelOutboundBuffer out = ctx == null ? null : ctx.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** Takes one frame from the rate limit; false when the connection is over it. */
    @Override
    boolean allowFrame() {
        long now = settings.ticker().getAsLong();
        long interval = settings.frameIntervalNanos();
        long fullAt = Math.max(rateFullAt, now);
        if (fullAt - now > interval * (settings.rateLimitBurst() - 1L)) {
            settings.metrics().frameRefused();
            return false;
        }
        rateFullAt = fullAt + interval;
        return true;
    }

    /** Writes are flushed once per event-loop task, so a burst of sends costs one syscall. */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                ctx.flush();
                if (pongReadNanos != 0) {
                    settings.metrics().heartbeatReplied(System.nanoTime() - pongReadNanos);
                    pongReadNanos = 0;
                }
            });
        }
    }

    // ---- Transport: the connection as the core's session sees it (no separate object) -----

    @Override
    public void send(ServerFrame frame) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> send(frame));
            return;
        }
        if (state == State.CLOSED || !ctx.channel().isActive()) {
            return;
        }
        // The JSON is written after room for the longest header, which then goes right before it.
        ByteBuf wire = ctx.alloc().buffer();
        wire.writerIndex(MAX_HEADER_BYTES);
        try {
            settings.codec().encode(frame, new ByteBufOutputStream(wire));
        } catch (IOException | RuntimeException e) {
            wire.release();
            log.error("cannot encode a {} frame; closing WebSocket {}", frame.getClass().getSimpleName(),
                    ctx.channel().id(), e);
            closeWebSocket(1011, "internal error");
            return;
        }
        int length = wire.writerIndex() - MAX_HEADER_BYTES;
        int start = MAX_HEADER_BYTES - headerBytes(length);
        setHeader(wire, start, OPCODE_TEXT, length);
        wire.readerIndex(start);
        if (writeBounded(wire)) {
            settings.metrics().frameOut();
            if (frame instanceof ServerFrame.Pong) {
                pongReadNanos = lastReadNanos;
            }
        }
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public Executor executor() {
        return ctx.executor();
    }

    @Override
    public void close(int statusCode, String reason) {
        if (ctx.executor().inEventLoop()) {
            closeWebSocket(statusCode, reason == null ? "" : reason);
        } else {
            ctx.executor().execute(() -> close(statusCode, reason));
        }
    }

    // ---- the core: every call from this connection into it ----------------------------------

    @Override
    CompletionStage<Device> authenticate(String token) {
        return settings.gateway().authenticate(token);
    }

    @Override
    boolean openSession(Device device, String requestId) {
        try {
            session = settings.gateway().open(device, this);
            return true;
        } catch (RuntimeException e) {
            ParleyException pe = ParleyException.from(e);
            log.error("could not open the session of device {} on WebSocket {}", device.deviceId(), ctx.channel().id(), e);
            sendError(requestId, pe);
            closeWebSocket(1011, pe.code().name());
            return false;
        }
    }

    @Override
    void dispatch(ClientFrame frame) {
        session.onFrame(frame);
    }

    private void sessionWritable() {
        session.onWritable();
    }

    /** Tells the session, once, that the connection closed. */
    private void sessionClosed() {
        if (session != null) {
            Transport.Listener closed = session;
            session = null; // told once
            closed.onClosed();
        }
    }
}
