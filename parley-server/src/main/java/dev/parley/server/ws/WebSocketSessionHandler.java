package dev.parley.server.ws;

import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import dev.parley.server.ParleyChannelInitializer;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application end of a connection: authenticates a WebSocket, turns its text frames into
 * {@link ClientFrame}s for the core's session and is the session's {@link Transport}. HTTP
 * requests that are not a WebSocket upgrade pass through to the next handler.
 *
 * <p>Authentication, in this order: an {@code Authorization: Bearer} header or a {@code token}
 * query parameter of the upgrade request; otherwise the first text frame must be
 * {@code {"type":"auth","id":..,"token":..}} and arrive within {@link #AUTH_TIMEOUT}. Anything
 * else is answered with {@code error UNAUTHENTICATED} and the connection is closed (1008). On
 * success nothing is sent here: the core's session sends {@code welcome}. Frames that arrive while
 * the token is being checked are kept (up to {@link #MAX_PENDING_FRAMES}) and handled, in order,
 * once the session is open; reading pauses meanwhile.
 *
 * <p>Bad input never closes the connection when it is safe to keep it: a frame above
 * {@code maxFrameBytes} gets {@code FRAME_TOO_LARGE}, undecodable JSON and unknown types get the
 * codec's error, a binary frame gets {@code UNKNOWN_TYPE}. Invalid UTF-8 closes with 1007 after
 * an {@code INVALID_UTF8} error frame (RFC 6455 requires failing the connection); a frame or
 * message above the hard limit (4x) closes with 1009.
 *
 * <p>Once upgraded it is the WebSocket's only handler: it reads the client's frames from the
 * bytes and writes its own frames as bytes (RFC 6455 section 5; Netty's decoder, encoder and
 * aggregator would be more objects and handler contexts per connection), answers pings, drops pongs,
 * echoes a peer's close frame and closes, joins fragments into one message, closes with 1002 on a
 * protocol violation (unmasked frame, reserved bits or opcodes, bad control frame, continuation
 * out of order, non-minimal length), and sends a normal-closure frame (1000) when the channel is
 * closed without one. It also keeps the time of the connection's last read, bytes of a partial
 * frame included ({@link #onRead()} before the upgrade, called by the first handler), which
 * {@link dev.parley.server.IdleSweep} checks instead of a timer per connection.
 *
 * <p>What it holds for a connection is bounded, before authentication too. Every reply (answers,
 * errors, events, pongs) is written through one check: a frame that would take the bytes waiting
 * for the peer above {@link Settings#outboundHardLimitBytes()} is dropped and the connection
 * closed with 1008. While the channel is not writable (above the write buffer's high-water mark)
 * no frame is handled and nothing more is read from the socket; both resume when it drains. Every
 * data frame and ping takes from the connection's rate limit: over it, a request with an id gets
 * {@code RATE_LIMITED}, a ping no pong, a bad frame no error, and a frame before authentication
 * closes the connection (1008). A close frame that is not written within
 * {@link Settings#closeTimeout()} (the peer does not read) is given up and the socket reset.
 *
 * <p>Threading: every method runs on the channel's event loop; core results are continued there,
 * so the handler's state needs no locks and the event loop never waits.
 */
public final class WebSocketSessionHandler extends ChannelDuplexHandler implements Transport {
    /** Bytes read while the peer does not read, after which reading stops until it does. */
    static final int HELD_WHILE_NOT_WRITABLE = 4096;

    private static final Logger log = LoggerFactory.getLogger(WebSocketSessionHandler.class);

    /** Time allowed between the upgrade and a successful authentication. */
    public static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);
    /** Frames kept while authentication is in flight; more close the connection. */
    public static final int MAX_PENDING_FRAMES = 64;
    private static final int MAX_CLOSE_REASON = 123;

    private static final int OPCODE_CONTINUATION = 0x0;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;
    private static final int OPCODE_PONG = 0xA;
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private enum State {
        /** No WebSocket yet: plain HTTP passes through. */
        HTTP,
        /** Upgraded without a token: the first frame must be {@code auth}. */
        AWAITING_AUTH,
        /** A token is being checked; frames wait. */
        AUTHENTICATING,
        /** The core's session is open. */
        OPEN,
        /** A close frame was sent (or the connection failed or closed): input is dropped, nothing more is written. */
        CLOSED
    }

    /** Default of {@link Settings#outboundHardLimitBytes()} ({@code limits.outboundHardLimitBytes}). */
    public static final int DEFAULT_OUTBOUND_HARD_LIMIT_BYTES = 16 << 20;
    /** Default of {@link Settings#closeTimeout()} ({@code server.closeTimeoutMs}). */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** What every connection's handler shares (one reference per connection instead of five). */
    public record Settings(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                           Duration authTimeout, int outboundHardLimitBytes, Duration closeTimeout,
                           int rateLimitPerSecond, int rateLimitBurst, LongSupplier ticker) {
        /**
         * @param gateway                authenticates and opens sessions
         * @param codec                  the shared, thread-safe frame codec
         * @param metrics                where frames, errors and connections are counted
         * @param maxFrameBytes          largest accepted text frame in bytes; 4x is the hard limit of a
         *                               frame or message, above which the connection is closed (1009)
         * @param authTimeout            time allowed to authenticate after the upgrade
         * @param outboundHardLimitBytes most bytes that may wait for one connection; a frame that would
         *                               take it above closes the connection (1008) instead
         * @param closeTimeout           time a close frame may take to be written before the socket is
         *                               dropped without it
         * @param rateLimitPerSecond     frames per second a connection may send: data frames, pings,
         *                               and frames before authentication alike
         * @param rateLimitBurst         frames a connection may send at once above the rate
         * @param ticker                 monotonic nanoseconds ({@link System#nanoTime()}; tests inject one)
         */
        public Settings {
            Objects.requireNonNull(gateway, "gateway");
            Objects.requireNonNull(codec, "codec");
            Objects.requireNonNull(metrics, "metrics");
            if (maxFrameBytes < 1) {
                throw new IllegalArgumentException("maxFrameBytes must be positive, was " + maxFrameBytes);
            }
            Objects.requireNonNull(authTimeout, "authTimeout");
            if (outboundHardLimitBytes < 1) {
                throw new IllegalArgumentException("outboundHardLimitBytes must be positive, was "
                        + outboundHardLimitBytes);
            }
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            if (closeTimeout.isNegative() || closeTimeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout must be positive, was " + closeTimeout);
            }
            if (rateLimitPerSecond < 1 || rateLimitPerSecond > 1_000_000_000 || rateLimitBurst < 1) {
                throw new IllegalArgumentException("rate limit must be 1 to 10^9 frames/s with a positive burst, was "
                        + rateLimitPerSecond + "/s, burst " + rateLimitBurst);
            }
            Objects.requireNonNull(ticker, "ticker");
        }

        /**
         * Settings with the default outbound hard limit and close timeout, and the core's default
         * rate limit (100 frames/s, burst 200).
         */
        public Settings(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                        Duration authTimeout) {
            this(gateway, codec, metrics, maxFrameBytes, authTimeout, DEFAULT_OUTBOUND_HARD_LIMIT_BYTES,
                    DEFAULT_CLOSE_TIMEOUT, 100, 200, System::nanoTime);
        }

        /** Nanoseconds between two frames at the sustained rate. */
        long frameIntervalNanos() {
            return 1_000_000_000L / rateLimitPerSecond;
        }

        /** Largest frame or joined message kept; above it the connection is closed with 1009. */
        public long hardLimit() {
            return Math.min(Integer.MAX_VALUE, 4L * maxFrameBytes);
        }
    }

    // Fields are few and small on purpose: an idle connection keeps this object (see IdleSweep).
    private final Settings settings;
    /** Frames that arrived before the session could take them; allocated on first use (idle connections never need it). */
    private ArrayDeque<WebSocketFrame> pending;

    private ChannelHandlerContext ctx;
    private State state = State.HTTP;
    private boolean upgraded;
    /** The open session; null before authentication and once it was told that the connection closed. */
    private Transport.Listener session;
    private ScheduledFuture<?> authTimer;
    private boolean flushScheduled;
    /** {@link System#nanoTime()} of the last read from the peer. */
    private long lastReadNanos = System.nanoTime();
    /** When the read that brought a ping whose pong waits for the next flush happened; 0 for none. */
    private long pongReadNanos;
    /** Received bytes that do not make a whole frame yet, or null (the usual case). */
    private ByteBuf partialFrame;
    /** The fragments of a message being received, or null. */
    private CompositeByteBuf fragments;
    private boolean fragmentsAreText;
    /**
     * The rate limit as a generic cell rate algorithm (one long instead of a token bucket's two
     * fields): the ticker time at which the bucket is full again. A frame is allowed while this is
     * at most {@code burst - 1} intervals ahead of now.
     */
    private long rateFullAt;

    /** A handler for one connection; see {@link Settings} for the parameters. */
    public WebSocketSessionHandler(SessionGateway gateway, FrameCodec codec, ServerMetrics metrics, int maxFrameBytes,
                                   Duration authTimeout) {
        this(new Settings(gateway, codec, metrics, maxFrameBytes, authTimeout));
    }

    /** A handler for one connection, with settings shared by all. */
    public WebSocketSessionHandler(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
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

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
        ByteBuf in = partialFrame == null ? bytes
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), partialFrame, bytes);
        partialFrame = null;
        if (!upgraded) {
            partialFrame = in;
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
                partialFrame = in;
            } else {
                in.release();
            }
            if (state != State.CLOSED && ctx.channel().isActive()) {
                updateAutoRead();
            }
        }
    }

    /**
     * Reads one frame (RFC 6455 section 5.2) from {@code in}'s reader index and handles it, with
     * the checks of Netty's decoder: masked, no reserved bits or opcodes, control frames final and
     * at most 125 bytes, continuations only inside a fragmented message, minimal length encoding,
     * at most the hard limit. A violation closes the connection (1002, or 1009 for size) as soon as
     * the header shows it, without waiting for the payload.
     *
     * @return false when {@code in} does not hold a whole frame (nothing is consumed)
     */
    private boolean readFrame(ByteBuf in) {
        int readable = in.readableBytes();
        if (readable < 2) {
            return false;
        }
        int start = in.readerIndex();
        int b0 = in.getUnsignedByte(start);
        int b1 = in.getUnsignedByte(start + 1);
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        int length7 = b1 & 0x7F;
        if ((b0 & 0x70) != 0) {
            return protocolViolation("RSV bits set and no extension negotiated");
        }
        if ((b1 & 0x80) == 0) {
            return protocolViolation("client frame is not masked");
        }
        if (opcode >= OPCODE_CLOSE) {
            if (opcode > OPCODE_PONG) {
                return protocolViolation("control frame with reserved opcode " + opcode);
            }
            if (!fin) {
                return protocolViolation("fragmented control frame");
            }
            if (length7 > MAX_CONTROL_PAYLOAD) {
                return protocolViolation("control frame with payload above 125 bytes");
            }
            if (opcode == OPCODE_CLOSE && length7 == 1) {
                return protocolViolation("close frame with a 1-byte payload");
            }
        } else if (opcode > OPCODE_BINARY) {
            return protocolViolation("data frame with reserved opcode " + opcode);
        } else if (opcode == OPCODE_CONTINUATION && fragments == null) {
            return protocolViolation("continuation frame outside a fragmented message");
        } else if (opcode != OPCODE_CONTINUATION && fragments != null) {
            return protocolViolation("new data frame inside a fragmented message");
        }
        int headerBytes;
        long length;
        if (length7 == 126) {
            if (readable < 4) {
                return false;
            }
            headerBytes = 4;
            length = in.getUnsignedShort(start + 2);
            if (length < 126) {
                return protocolViolation("frame length not minimally encoded");
            }
        } else if (length7 == 127) {
            if (readable < 10) {
                return false;
            }
            headerBytes = 10;
            length = in.getLong(start + 2);
            if (length < 0) {
                return protocolViolation("negative frame length");
            }
            if (length < 65536) {
                return protocolViolation("frame length not minimally encoded");
            }
        } else {
            headerBytes = 2;
            length = length7;
        }
        if (length > settings.hardLimit()) {
            closeWebSocket(1009, tooLargeReason());
            return false;
        }
        headerBytes += 4; // masking key
        if (readable < headerBytes + length) {
            return false;
        }
        int payloadLength = (int) length;
        ByteBuf payload = payloadLength == 0 ? Unpooled.EMPTY_BUFFER : ctx.alloc().buffer(payloadLength);
        payload.writeBytes(in, start + headerBytes, payloadLength);
        unmask(payload, in.getInt(start + headerBytes - 4));
        in.readerIndex(start + headerBytes + payloadLength);
        onWireFrame(opcode, fin, payload);
        return true;
    }

    /** XORs {@code payload} with the client's masking key (RFC 6455 section 5.3). */
    private static void unmask(ByteBuf payload, int mask) {
        if (mask == 0) {
            return;
        }
        int i = payload.readerIndex();
        int end = payload.writerIndex();
        long longMask = (mask & 0xFFFFFFFFL) | ((long) mask << 32);
        for (; i + 8 <= end; i += 8) {
            payload.setLong(i, payload.getLong(i) ^ longMask);
        }
        if (i + 4 <= end) {
            payload.setInt(i, payload.getInt(i) ^ mask);
            i += 4;
        }
        for (int shift = 24; i < end; i++, shift -= 8) {
            payload.setByte(i, payload.getByte(i) ^ (mask >>> shift));
        }
    }

    /** Fails the connection with 1002 (RFC 6455 section 7.1.7). */
    private boolean protocolViolation(String reason) {
        log.debug("WebSocket {} protocol violation: {}", ctx.channel().id(), reason);
        closeWebSocket(1002, reason);
        return false;
    }

    private String tooLargeReason() {
        return "FRAME_TOO_LARGE: message above " + settings.hardLimit() + " bytes";
    }

    /** A whole frame, already checked: control frames, fragments, messages. Takes ownership of {@code payload}. */
    private void onWireFrame(int opcode, boolean fin, ByteBuf payload) {
        switch (opcode) {
            case OPCODE_PING -> {
                // A ping costs a reply as a request does, so it counts against the same rate limit.
                if (ctx.channel().isActive() && allowFrame()) {
                    writeBounded(wireFrame(OPCODE_PONG, payload));
                } else {
                    payload.release();
                }
            }
            case OPCODE_PONG -> payload.release();
            case OPCODE_CLOSE -> onCloseFrame(payload);
            case OPCODE_CONTINUATION -> appendFragment(payload, fin);
            default -> {
                if (fin) {
                    handleFrame(opcode == OPCODE_TEXT ? new TextWebSocketFrame(payload)
                            : new BinaryWebSocketFrame(payload));
                } else {
                    fragmentsAreText = opcode == OPCODE_TEXT;
                    fragments = ctx.alloc().compositeBuffer(1024);
                    appendFragment(payload, false);
                }
            }
        }
    }

    /**
     * The peer's closing handshake: a valid close frame is echoed, then the connection closes (RFC
     * 6455 section 5.5.1). A body must be a valid status code and a UTF-8 reason.
     */
    private void onCloseFrame(ByteBuf payload) {
        if (payload.isReadable()) {
            int status = payload.getUnsignedShort(payload.readerIndex());
            if (!isValidCloseStatus(status)) {
                payload.release();
                protocolViolation("invalid close status code " + status);
                return;
            }
            if (!ByteBufUtil.isText(payload, payload.readerIndex() + 2, payload.readableBytes() - 2,
                    StandardCharsets.UTF_8)) {
                payload.release();
                closeWebSocket(1007, "close reason is not valid UTF-8");
                return;
            }
        }
        if (!ctx.channel().isActive()) {
            payload.release();
            return;
        }
        beginClosing();
        ctx.writeAndFlush(wireFrame(OPCODE_CLOSE, payload)).addListener(ChannelFutureListener.CLOSE);
        dropAfterCloseTimeout();
    }

    /**
     * Whether a peer may send {@code status} (RFC 6455 section 7.4): the defined codes it may send
     * (1004-1006 and 1015 are never sent), and 3000-4999 for registered and private use.
     * Netty's check lets 5000 and above through.
     */
    static boolean isValidCloseStatus(int status) {
        return status >= 1000 && status <= 1003 || status >= 1007 && status <= 1014
                || status >= 3000 && status <= 4999;
    }

    /** Adds a fragment to the message being joined (the hard limit applies to the whole); takes ownership. */
    private void appendFragment(ByteBuf content, boolean last) {
        if (content.readableBytes() > settings.hardLimit() - fragments.readableBytes()) {
            content.release();
            releaseFragments();
            closeWebSocket(1009, tooLargeReason());
            return;
        }
        fragments.addComponent(true, content);
        if (last) {
            CompositeByteBuf whole = fragments;
            fragments = null;
            handleFrame(fragmentsAreText ? new TextWebSocketFrame(whole) : new BinaryWebSocketFrame(whole));
        }
    }

    private void releaseFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }

    private void releasePartialFrame() {
        if (partialFrame != null) {
            partialFrame.release();
            partialFrame = null;
        }
    }

    /**
     * A close of an open WebSocket that did not send a close frame first (shutdown, for example)
     * sends a normal-closure frame before the TCP close, as Netty's protocol handler did.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        if (upgraded && state != State.CLOSED && ctx.channel().isActive()) {
            state = State.CLOSED;
            ctx.writeAndFlush(closeFrame(1000, ""), ctx.voidPromise());
        }
        ctx.close(promise);
    }

    /** Frames written to the channel by others are encoded here too (this handler is the encoder). */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof WebSocketFrame frame && upgraded) {
            int opcode = frame instanceof TextWebSocketFrame ? OPCODE_TEXT
                    : frame instanceof CloseWebSocketFrame ? OPCODE_CLOSE
                    : frame instanceof PingWebSocketFrame ? OPCODE_PING
                    : frame instanceof PongWebSocketFrame ? OPCODE_PONG : OPCODE_BINARY;
            ctx.write(wireFrame(opcode, frame.content()), promise);
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
            if (upgraded && partialFrame != null && state != State.CLOSED) {
                ByteBuf held = partialFrame; // frames that waited for the peer to read
                partialFrame = null;
                readFrames(held);
            }
            if (state == State.OPEN && ctx.channel().isWritable()) {
                session.onWritable();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    /** Bytes read and not yet handled (they wait while the peer does not read). */
    private int heldBytes() {
        return partialFrame == null ? 0 : partialFrame.readableBytes();
    }

    /**
     * Reads from the socket while the peer reads what it is sent (the channel is writable), and
     * while it does not, until {@link #HELD_WHILE_NOT_WRITABLE} bytes wait: a stalled reader that
     * keeps sending heartbeats is seen alive (the idle sweep drops only a peer that sends nothing or
     * filled that allowance), and no token is being checked. A closing connection keeps reading: its input is dropped,
     * and the read notices the peer's end.
     */
    private void updateAutoRead() {
        boolean read = state != State.AUTHENTICATING && (state == State.CLOSED || ctx.channel().isWritable()
                || heldBytes() < HELD_WHILE_NOT_WRITABLE);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSED;
        cancelAuthTimer();
        releasePending();
        releaseFragments();
        releasePartialFrame();
        if (upgraded) {
            settings.metrics().connectionClosed();
        }
        if (session != null) {
            Transport.Listener closed = session;
            session = null; // told once
            closed.onClosed();
        }
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
        QueryStringDecoder query = new QueryStringDecoder(hc.requestUri());
        String version = first(query, "v");
        if (version != null && !version.equals(Integer.toString(FrameCodec.PROTOCOL_VERSION))) {
            sendError(null, new ParleyException(ErrorCode.INVALID_FIELD, "protocol version \"" + truncate(version, 16)
                    + "\" is not supported; this server speaks version " + FrameCodec.PROTOCOL_VERSION));
            closeWebSocket(1002, "unsupported protocol version");
            return;
        }
        authTimer = ctx.executor().schedule(this::authTimedOut, settings.authTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        String token = bearer(hc.requestHeaders());
        if (token == null) {
            token = first(query, "token");
        }
        if (token != null) {
            startAuthentication(token, null);
        } else {
            state = State.AWAITING_AUTH;
            drainPending();
        }
        if (partialFrame != null) { // frames that came right behind the handshake
            ByteBuf early = partialFrame;
            partialFrame = null;
            readFrames(early);
        }
    }

    /** Takes ownership of {@code frame}. */
    private void handleFrame(WebSocketFrame frame) {
        switch (state) {
            case HTTP, AUTHENTICATING -> {
                if (pending == null) {
                    pending = new ArrayDeque<>(4);
                }
                if (pending.size() >= MAX_PENDING_FRAMES) {
                    frame.release();
                    sendError(null, new ParleyException(ErrorCode.RATE_LIMITED,
                            "more than " + MAX_PENDING_FRAMES + " frames sent before authentication completed"));
                    closeWebSocket(1008, "too many frames before authentication");
                } else {
                    pending.add(frame);
                }
            }
            case CLOSED -> frame.release();
            default -> {
                try {
                    process(frame);
                } finally {
                    frame.release();
                }
            }
        }
    }

    private void process(WebSocketFrame frame) {
        settings.metrics().frameIn();
        // Every data frame counts, answered by an error or not, before authentication too.
        boolean allowed = allowFrame();
        if (!allowed && state == State.AWAITING_AUTH) {
            sendError(null, new ParleyException(ErrorCode.RATE_LIMITED, "too many frames before authentication"
                    + " (limit " + rateLimitDescription() + ")"));
            closeWebSocket(1008, "RATE_LIMITED");
            return;
        }
        if (frame instanceof TextWebSocketFrame) {
            ByteBuf content = frame.content();
            if (!allowed && content.readableBytes() > settings.maxFrameBytes()) {
                return; // refused, and nothing to answer it by
            }
            if (content.readableBytes() > settings.maxFrameBytes()) {
                ParleyException tooLarge = new ParleyException(ErrorCode.FRAME_TOO_LARGE, "frame of "
                        + content.readableBytes() + " bytes exceeds the limit of " + settings.maxFrameBytes()
                        + " bytes");
                if (state == State.AWAITING_AUTH) {
                    rejectUnauthenticated(null, "the first frame must be an auth frame; " + tooLarge.getMessage());
                } else {
                    sendError(null, tooLarge);
                }
                return;
            }
            // Validated here rather than with a decoder per connection: idle connections cost memory.
            if (!ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
                sendError(null, new ParleyException(ErrorCode.INVALID_UTF8, "text frame is not valid UTF-8"));
                closeWebSocket(1007, "INVALID_UTF8: text frame is not valid UTF-8");
                return;
            }
            String text = content.toString(StandardCharsets.UTF_8);
            ClientFrame decoded;
            try {
                decoded = settings.codec().decodeClient(text);
            } catch (FrameCodec.FrameException e) {
                if (!allowed) {
                    return; // refused: a request with no valid id gets no answer over the limit
                }
                if (state == State.AWAITING_AUTH) {
                    rejectUnauthenticated(e.requestId(), "the first frame must be {\"type\":\"auth\",\"id\":..,"
                            + "\"token\":..}: " + e.error().getMessage());
                } else {
                    sendError(e.requestId(), e.error());
                }
                return;
            }
            if (!allowed) {
                // The core's answer to a request over its own limit, with the request's id.
                if (decoded.id() != null) {
                    sendError(decoded.id(), new ParleyException(ErrorCode.RATE_LIMITED,
                            "too many requests; slow down (limit " + rateLimitDescription() + ")"));
                }
                return;
            }
            if (state == State.AWAITING_AUTH) {
                if (decoded instanceof ClientFrame.Auth auth) {
                    startAuthentication(auth.token(), auth.id());
                } else {
                    rejectUnauthenticated(decoded.id(), "authenticate first: the first frame must be "
                            + "{\"type\":\"auth\",\"id\":..,\"token\":..} unless a token was given at the upgrade");
                }
                return;
            }
            session.onFrame(decoded);
        } else if (frame instanceof BinaryWebSocketFrame) {
            if (!allowed) {
                return;
            }
            if (state == State.AWAITING_AUTH) {
                rejectUnauthenticated(null, "the first frame must be an auth text frame; binary frames are not supported");
            } else {
                sendError(null, new ParleyException(ErrorCode.UNKNOWN_TYPE,
                        "binary frames are not supported; send JSON text frames"));
            }
        }
        // Control frames are handled on arrival (onWireFrame) and never get here.
    }

    // ---- authentication --------------------------------------------------------------------

    private void startAuthentication(String token, String requestId) {
        state = State.AUTHENTICATING;
        ctx.channel().config().setAutoRead(false);
        CompletionStage<Device> check;
        try {
            check = settings.gateway().authenticate(token);
        } catch (RuntimeException e) {
            check = CompletableFuture.failedFuture(e);
        }
        check.whenCompleteAsync((device, error) -> authenticated(device, error, requestId), ctx.executor());
    }

    private void authenticated(Device device, Throwable error, String requestId) {
        if (state != State.AUTHENTICATING) {
            return; // closed (or timed out) meanwhile
        }
        if (error != null) {
            ParleyException e = ParleyException.from(error);
            if (e.code() == ErrorCode.UNAUTHENTICATED) {
                rejectUnauthenticated(requestId, e.getMessage());
            } else {
                if (e.code() == ErrorCode.INTERNAL) {
                    log.error("authentication failed unexpectedly on WebSocket {}", ctx.channel().id(), error);
                }
                sendError(requestId, e);
                closeWebSocket(e.code().retryable() ? 1013 : 1008, e.code().name());
            }
            return;
        }
        cancelAuthTimer();
        try {
            session = settings.gateway().open(device, this);
        } catch (RuntimeException e) {
            ParleyException pe = ParleyException.from(e);
            log.error("could not open the session of device {} on WebSocket {}", device.deviceId(), ctx.channel().id(), e);
            sendError(requestId, pe);
            closeWebSocket(1011, pe.code().name());
            return;
        }
        state = State.OPEN;
        log.debug("WebSocket {} authenticated device {} of {}", ctx.channel().id(), device.deviceId(), device.userId());
        updateAutoRead();
        drainPending();
    }

    private void authTimedOut() {
        if (state == State.AWAITING_AUTH || state == State.AUTHENTICATING) {
            rejectUnauthenticated(null, "not authenticated within " + settings.authTimeout().toSeconds() + " s");
        }
    }

    private void rejectUnauthenticated(String requestId, String message) {
        sendError(requestId, new ParleyException(ErrorCode.UNAUTHENTICATED, message));
        closeWebSocket(1008, "UNAUTHENTICATED");
    }

    private void drainPending() {
        while (pending != null && !pending.isEmpty() && (state == State.AWAITING_AUTH || state == State.OPEN)) {
            handleFrame(pending.poll());
        }
        if (pending != null && pending.isEmpty()) {
            pending = null;
        }
    }

    private void releasePending() {
        if (pending == null) {
            return;
        }
        WebSocketFrame f;
        while ((f = pending.poll()) != null) {
            ReferenceCountUtil.release(f);
        }
    }

    private void cancelAuthTimer() {
        if (authTimer != null) {
            authTimer.cancel(false);
            authTimer = null;
        }
    }

    // ---- outbound --------------------------------------------------------------------------

    private void sendError(String requestId, ParleyException e) {
        settings.metrics().error(e.code());
        send(ServerFrame.Error.of(requestId, e));
    }

    /** Sends a close frame with {@code code} and closes once it is written. Idempotent. */
    private void closeWebSocket(int code, String reason) {
        if (state == State.CLOSED || !ctx.channel().isActive()) {
            return;
        }
        beginClosing();
        ctx.writeAndFlush(closeFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        dropAfterCloseTimeout();
    }

    /** From here on input is dropped and nothing more is sent but the close frame. */
    private void beginClosing() {
        state = State.CLOSED;
        cancelAuthTimer();
        releasePending();
        releaseFragments();
        releasePartialFrame();
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
    private boolean allowFrame() {
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

    private String rateLimitDescription() {
        return settings.rateLimitPerSecond() + "/s, burst " + settings.rateLimitBurst();
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

    // ---- frames as the server sends them (RFC 6455 section 5.2: final, unmasked) -------------

    private static final int MAX_HEADER_BYTES = 10;

    /** A final frame with {@code payload}; releases it. */
    private ByteBuf wireFrame(int opcode, ByteBuf payload) {
        try {
            int length = payload.readableBytes();
            int header = headerBytes(length);
            ByteBuf wire = ctx.alloc().buffer(header + length);
            setHeader(wire, 0, opcode, length);
            wire.writerIndex(header);
            wire.writeBytes(payload, payload.readerIndex(), length);
            return wire;
        } finally {
            payload.release();
        }
    }

    /** A close frame: status code, then the reason in UTF-8 cut to fit a control frame. */
    private ByteBuf closeFrame(int code, String reason) {
        String cut = truncate(reason, MAX_CLOSE_REASON);
        while (ByteBufUtil.utf8Bytes(cut) > MAX_CLOSE_REASON) {
            cut = cut.substring(0, cut.length() - 1);
        }
        ByteBuf body = ctx.alloc().buffer(2 + ByteBufUtil.utf8Bytes(cut));
        body.writeShort(code);
        ByteBufUtil.writeUtf8(body, cut);
        return wireFrame(OPCODE_CLOSE, body);
    }

    private static int headerBytes(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
    }

    /** Writes the header of a final, unmasked frame at {@code index} (as many bytes as {@link #headerBytes}). */
    private static void setHeader(ByteBuf buf, int index, int opcode, int payloadLength) {
        buf.setByte(index, 0x80 | opcode);
        if (payloadLength < 126) {
            buf.setByte(index + 1, payloadLength);
        } else if (payloadLength < 65536) {
            buf.setByte(index + 1, 126);
            buf.setShort(index + 2, payloadLength);
        } else {
            buf.setByte(index + 1, 127);
            buf.setLong(index + 2, payloadLength);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static String bearer(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (value != null && value.length() > 7 && value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            String token = value.substring(7).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    private static String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
