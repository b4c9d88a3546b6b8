package dev.parley.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Answers the WebSocket opening handshake (RFC 6455, version 13) on {@code path} and then removes
 * itself, so that an open WebSocket keeps only its {@link WebSocketSessionHandler}, which reads
 * and writes the frames itself. Used instead of
 * Netty's {@code WebSocketServerProtocolHandler}, which stays in the pipeline for the connection's
 * life and keeps its handshaker in a channel attribute: at tens of thousands of idle connections
 * every retained object counts.
 *
 * <p>As Netty's handler: requests on other paths pass on; a handshake that is not version 13 gets
 * 426 with {@code Sec-WebSocket-Version: 13}; a malformed one (not GET, no upgrade headers, no key)
 * gets 400 and is closed; a handshake whose response is not written within the timeout is closed.
 * On success the session handler gets a {@link WebSocketServerProtocolHandler.HandshakeComplete}.
 */
public final class WebSocketUpgradeHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SWITCHING_PROTOCOLS = ("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
            + "connection: upgrade\r\nsec-websocket-accept: ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    private final String path;
    private final long handshakeTimeoutMillis;

    /**
     * @param path                   the WebSocket endpoint; {@code path?query} matches too
     * @param handshakeTimeoutMillis time allowed to write the handshake response
     */
    public WebSocketUpgradeHandler(String path, long handshakeTimeoutMillis) {
        this.path = Objects.requireNonNull(path, "path");
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req) || !isWebSocketPath(req.uri())) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            String version = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
            if (!WebSocketVersion.V13.toHttpHeaderValue().equals(version)) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            String key = checkRequest(req);
            ChannelPipeline p = ctx.pipeline();
            ChannelHandlerContext http = p.context(HttpServerCodec.class);
            if (http == null) {
                throw new IllegalStateException("no HttpServerCodec in the pipeline");
            }
            if (p.get(HttpObjectAggregator.class) != null) {
                p.remove(HttpObjectAggregator.class);
            }
            // Removed before the response is written, so that no frame can reach this handler.
            p.remove(this);
            String uri = req.uri();
            HttpHeaders headers = req.headers();
            // The response as bytes, written below the HTTP encoder, which then goes with its
            // decoder (bytes it still holds pass on to the session handler): a handshaker, a
            // response object and its encoding per connect showed in the connect profile.
            ByteBuf response = ctx.alloc().buffer(SWITCHING_PROTOCOLS.length + 32);
            response.writeBytes(SWITCHING_PROTOCOLS).writeCharSequence(accept(key), StandardCharsets.US_ASCII);
            response.writeBytes(END_OF_HEAD);
            ChannelFuture done = http.writeAndFlush(response);
            p.remove(http.handler());
            // A response this small is nearly always written at once; only one that waits on a slow
            // reader needs the timeout (a scheduled task per connect otherwise).
            if (!done.isDone()) {
                ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
                    if (!done.isDone()) {
                        ctx.close();
                    }
                }, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
                done.addListener(f -> timeout.cancel(false));
            }
            done.addListener(f -> {
                if (f.isSuccess()) {
                    ctx.fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(uri, headers, null));
                } else {
                    ctx.fireExceptionCaught(f.cause());
                }
            });
        } catch (WebSocketHandshakeException e) {
            badRequest(ctx, e);
        } finally {
            ReferenceCountUtil.release(req);
        }
    }

    /**
     * The checks of Netty's {@code WebSocketServerHandshaker13}, with its messages: a GET with
     * {@code Connection: upgrade}, {@code Upgrade: websocket} and a key.
     *
     * @return the {@code Sec-WebSocket-Key}
     */
    private static String checkRequest(FullHttpRequest req) {
        if (!HttpMethod.GET.equals(req.method())) {
            throw new WebSocketServerHandshakeException("Invalid WebSocket handshake method: " + req.method(), req);
        }
        HttpHeaders headers = req.headers();
        if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            throw new WebSocketServerHandshakeException(
                    "not a WebSocket request: a |Connection| header must include a token 'Upgrade'", req);
        }
        if (!headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            throw new WebSocketServerHandshakeException(
                    "not a WebSocket request: an |Upgrade| header must containing the value 'websocket'", req);
        }
        String key = headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null) {
            throw new WebSocketServerHandshakeException("not a WebSocket request: missing key", req);
        }
        return key;
    }

    /** {@code base64(SHA-1(key + GUID))}, RFC 6455 section 4.2.2. */
    static String accept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        sha1.update(key.getBytes(StandardCharsets.US_ASCII));
        sha1.update(ACCEPT_GUID);
        return Base64.getEncoder().encodeToString(sha1.digest());
    }

    private boolean isWebSocketPath(String uri) {
        return uri.startsWith(path) && (uri.length() == path.length() || uri.charAt(path.length()) == '?'
                || uri.charAt(path.length()) == '/');
    }

    private static void badRequest(ChannelHandlerContext ctx, WebSocketHandshakeException e) {
        ctx.channel().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                        Unpooled.copiedBuffer(String.valueOf(e.getMessage()), StandardCharsets.UTF_8)))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
