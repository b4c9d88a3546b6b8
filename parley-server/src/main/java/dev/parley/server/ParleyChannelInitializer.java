package dev.parley.server;

import dev.parley.server.config.ServerConfig;
import dev.parley.server.http.HttpApiHandler;
import dev.parley.server.ws.WebSocketSessionHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the pipeline of an accepted connection; holds no logic. In order:
 *
 * <ol>
 *   <li>{@code idle}: {@link IdleStateHandler}, reader idle after {@code server.idleTimeoutSeconds}.
 *       It is first, not after the WebSocket handler as in Netty's example, because it must see
 *       every byte: WebSocket ping frames are answered and swallowed by the protocol handler, so
 *       an idle handler behind it would drop clients that heartbeat with pings.</li>
 *   <li>{@code tls}: optional {@code SslHandler} (https / wss).</li>
 *   <li>{@code http}, {@code http-aggregator}: {@link HttpServerCodec} and an aggregator for REST
 *       bodies up to {@link #MAX_HTTP_BODY} (larger: 413). Both are replaced by the WebSocket
 *       codec on upgrade.</li>
 *   <li>{@code ws}: {@link WebSocketServerProtocolHandler} on {@link #WEBSOCKET_PATH} (with or
 *       without a query string). No extensions, so no permessage-deflate: chat frames are small,
 *       compression would cost CPU and a deflate window per connection, and compressing secrets
 *       next to attacker-chosen text invites CRIME/BREACH-style attacks. Frames above the hard
 *       limit (4x {@code maxFrameBytes}) are refused by the decoder with close 1009. UTF-8 is
 *       validated by the session handler after aggregation, so that a bad frame gets an
 *       {@code INVALID_UTF8} error frame before the close (1007).</li>
 *   <li>{@code ws-aggregator}: {@link WebSocketFrameAggregator}, fragments into one message, same
 *       hard limit.</li>
 *   <li>{@code session}: {@link WebSocketSessionHandler}, the WebSocket application; passes HTTP
 *       requests on.</li>
 *   <li>{@code api}: {@link HttpApiHandler}, REST, health, metrics, static files.</li>
 * </ol>
 */
public final class ParleyChannelInitializer extends ChannelInitializer<SocketChannel> {
    /** The WebSocket endpoint. */
    public static final String WEBSOCKET_PATH = "/ws";
    /** Largest REST request body. */
    public static final int MAX_HTTP_BODY = 1 << 20;
    /** Time allowed for the WebSocket opening handshake. */
    public static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Pipeline name of the REST handler, which a connection drops once it became a WebSocket. */
    public static final String REST_HANDLER = "api";

    private final ServerConfig.Server config;
    private final SslContext ssl;
    private final ChannelGroup allChannels;
    private final Supplier<WebSocketSessionHandler> sessionHandlers;
    private final Supplier<HttpApiHandler> apiHandlers;
    /** Immutable, so one instance serves every connection. */
    private final WebSocketServerProtocolConfig webSocketConfig;

    /**
     * @param config          network settings
     * @param ssl             TLS context, or null for plain text
     * @param allChannels     every accepted channel joins it (closed on shutdown)
     * @param sessionHandlers a new WebSocket handler per connection
     * @param apiHandlers     a new REST handler per connection
     */
    public ParleyChannelInitializer(ServerConfig.Server config, SslContext ssl, ChannelGroup allChannels,
                                    Supplier<WebSocketSessionHandler> sessionHandlers,
                                    Supplier<HttpApiHandler> apiHandlers) {
        this.config = Objects.requireNonNull(config, "config");
        this.webSocketConfig = webSocketConfig(config);
        this.ssl = ssl;
        this.allChannels = Objects.requireNonNull(allChannels, "allChannels");
        this.sessionHandlers = Objects.requireNonNull(sessionHandlers, "sessionHandlers");
        this.apiHandlers = Objects.requireNonNull(apiHandlers, "apiHandlers");
    }

    /** The WebSocket protocol settings used for every connection. */
    public static WebSocketServerProtocolConfig webSocketConfig(ServerConfig.Server config) {
        return WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WEBSOCKET_PATH)
                .checkStartsWith(true)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
                .dropPongFrames(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(config.hardFrameLimit())
                        .allowExtensions(false)
                        .allowMaskMismatch(false)
                        .withUTF8Validator(false)
                        .closeOnProtocolViolation(true)
                        .build())
                .build();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        allChannels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(config.idleTimeoutSeconds(), 0, 0, TimeUnit.SECONDS));
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        p.addLast("http", new HttpServerCodec());
        p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_BODY));
        p.addLast("ws", new WebSocketServerProtocolHandler(webSocketConfig));
        p.addLast("ws-aggregator", new WebSocketFrameAggregator(config.hardFrameLimit()));
        p.addLast("session", sessionHandlers.get());
        p.addLast(REST_HANDLER, apiHandlers.get());
    }
}
