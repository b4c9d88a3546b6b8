package dev.parley.server.ws;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
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
    /** The handshaker wants one, but only Netty's frame decoder would read it. */
    private static final WebSocketDecoderConfig UNUSED_DECODER_CONFIG = WebSocketDecoderConfig.newBuilder().build();

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
            String location = (ctx.pipeline().get(SslHandler.class) != null ? "wss://" : "ws://")
                    + req.headers().get(HttpHeaderNames.HOST) + path;
            WebSocketServerHandshaker13 handshaker = new WebSocketServerHandshaker13(location, null,
                    UNUSED_DECODER_CONFIG) {
                @Override
                protected WebSocketFrameDecoder newWebsocketDecoder() {
                    return NoFrameCodec.INSTANCE;
                }

                @Override
                protected WebSocketFrameEncoder newWebSocketEncoder() {
                    return NoFrameCodec.INSTANCE;
                }
            };
            // Removed before the response is written, so that no frame can reach this handler.
            ctx.pipeline().remove(this);
            String uri = req.uri();
            var headers = req.headers();
            var done = handshaker.handshake(ctx.channel(), req);
            ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
                if (!done.isDone()) {
                    ctx.flush();
                    ctx.close();
                }
            }, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
            done.addListener(f -> {
                timeout.cancel(false);
                if (f.isSuccess()) {
                    ctx.fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(uri, headers, null));
                } else if (f.cause() instanceof WebSocketHandshakeException e) {
                    badRequest(ctx, e);
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

    private boolean isWebSocketPath(String uri) {
        return uri.startsWith(path) && (uri.length() == path.length() || uri.charAt(path.length()) == '?'
                || uri.charAt(path.length()) == '/');
    }

    private static void badRequest(ChannelHandlerContext ctx, WebSocketHandshakeException e) {
        ctx.channel().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                        Unpooled.copiedBuffer(String.valueOf(e.getMessage()), StandardCharsets.UTF_8)))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Stands in for the frame decoder and encoder the handshaker installs and removes itself at
     * once: the session handler reads and writes the frames (two handler contexts and a decoder
     * less per connection).
     */
    @ChannelHandler.Sharable
    static final class NoFrameCodec extends ChannelDuplexHandler implements WebSocketFrameDecoder,
            WebSocketFrameEncoder {
        static final NoFrameCodec INSTANCE = new NoFrameCodec();

        private NoFrameCodec() {
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().remove(ctx.name());
        }
    }
}
