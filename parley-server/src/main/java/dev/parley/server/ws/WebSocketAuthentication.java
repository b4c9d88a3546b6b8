package dev.parley.server.ws;

import static dev.parley.server.ws.WebSocketSessionHandler.MAX_PENDING_FRAMES;

import dev.parley.core.account.Device;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's way from the upgrade to an open session, as explicit {@link State}s, and what
 * becomes of a text or binary message in each:
 *
 * <pre>
 *   HTTP ─┬─ upgrade with a token ─────────────────────▶ AUTHENTICATING ─ token good, session open ─▶ OPEN
 *         │                                                 ▲     │
 *         └─ upgrade without one ─▶ AWAITING_AUTH ─ auth ───┘     └─ bad token, check failed ─▶ CLOSED
 *                                        │
 *                                        └─ any other first frame, over the rate limit ─▶ CLOSED
 *   any state ─ no session within the timeout, close, failure ─▶ CLOSED
 * </pre>
 *
 * <ul>
 *   <li>{@code HTTP} and {@code AUTHENTICATING}: messages are held, in order (at most
 *       {@link WebSocketSessionHandler#MAX_PENDING_FRAMES}; more close with 1008), and handled once the state moves on.
 *       Reading pauses while a token is checked.</li>
 *   <li>{@code AWAITING_AUTH}: the first message must be {@code {"type":"auth","id":..,"token":..}};
 *       anything else gets {@code error UNAUTHENTICATED} and closes (1008).</li>
 *   <li>{@code OPEN}: messages are checked (size, UTF-8, rate limit), decoded and handed to the
 *       core's session; bad ones get an error and the connection stays.</li>
 *   <li>{@code CLOSED}: messages are dropped.</li>
 * </ul>
 *
 * <p>Not authenticated within {@link WebSocketSettings#authTimeout()} of the upgrade: {@code UNAUTHENTICATED}
 * and 1008. The token is checked by the core (off the event loop); its answer is continued on the
 * event loop, so the state needs no lock. On success nothing is sent here: the core's session sends
 * {@code welcome}.
 *
 * <p>It is a base class of {@link WebSocketSessionHandler}, which gives it the connection (writes,
 * closes, the rate limit, the core) through the abstract methods below, so that the state lives on
 * the one handler object a connection keeps.
 */
abstract class WebSocketAuthentication extends WebSocketFrameReader {
    private static final Logger log = LoggerFactory.getLogger(WebSocketAuthentication.class);

    /** Where a connection is on its way to an open session; see the class comment. */
    enum State {
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

    final WebSocketSettings settings;
    State state = State.HTTP;
    /** Frames that arrived before the session could take them; allocated on first use (idle connections never need it). */
    private ArrayDeque<WebSocketFrame> pending;
    private ScheduledFuture<?> authTimer;

    WebSocketAuthentication(WebSocketSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    // ---- what the connection does for the state machine ------------------------------------

    /** Takes one frame from the connection's rate limit; false when it is over it. */
    abstract boolean allowFrame();

    /** Sends {@code error} (counted), answering {@code requestId} when not null. */
    abstract void sendError(String requestId, ParleyException error);

    /** Reads from the socket or not, as the state and the peer's reading allow. */
    abstract void updateAutoRead();

    /** Asks the core who {@code token} is; may fail with a {@link ParleyException}. */
    abstract CompletionStage<Device> authenticate(String token);

    /**
     * Opens the core's session of {@code device} on this connection.
     *
     * @return false when it could not, after answering {@code requestId} and closing
     */
    abstract boolean openSession(Device device, String requestId);

    /** Hands a decoded request to the open session. */
    abstract void dispatch(ClientFrame frame);

    // ---- transitions -----------------------------------------------------------------------

    /**
     * The WebSocket is upgraded: refuses an unsupported {@code v} query parameter (1002), starts
     * the authentication timeout, and checks the token of the upgrade request (an
     * {@code Authorization: Bearer} header, else a {@code token} query parameter) or waits for an
     * {@code auth} frame.
     *
     * @return false when the upgrade was refused (the connection is closing)
     */
    final boolean onUpgrade(WebSocketServerProtocolHandler.HandshakeComplete hc) {
        QueryStringDecoder query = new QueryStringDecoder(hc.requestUri());
        String version = first(query, "v");
        if (version != null && !version.equals(Integer.toString(FrameCodec.PROTOCOL_VERSION))) {
            sendError(null, new ParleyException(ErrorCode.INVALID_FIELD, "protocol version \""
                    + WebSocketFrames.truncate(version, 16) + "\" is not supported; this server speaks version "
                    + FrameCodec.PROTOCOL_VERSION));
            closeWebSocket(1002, "unsupported protocol version");
            return false;
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
        return true;
    }

    /** A whole text or binary message, handled as the state says; takes ownership of {@code frame}. */
    @Override
    final void onMessage(WebSocketFrame frame) {
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
            dispatch(decoded);
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
        // Control frames are handled on arrival (WebSocketFrameReader) and never get here.
    }

    private void startAuthentication(String token, String requestId) {
        state = State.AUTHENTICATING;
        ctx.channel().config().setAutoRead(false);
        CompletionStage<Device> check;
        try {
            check = authenticate(token);
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
        if (!openSession(device, requestId)) {
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

    /** The state is {@code CLOSED} from here on: the timeout is cancelled and held frames are freed. */
    final void enterClosed() {
        state = State.CLOSED;
        cancelAuthTimer();
        releasePending();
    }

    private void drainPending() {
        while (pending != null && !pending.isEmpty() && (state == State.AWAITING_AUTH || state == State.OPEN)) {
            onMessage(pending.poll());
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

    private String rateLimitDescription() {
        return settings.rateLimitPerSecond() + "/s, burst " + settings.rateLimitBurst();
    }

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
}
