package dev.parley.server;

import dev.parley.server.http.HttpApiHandler;
import dev.parley.server.http.HttpBodyLimit;
import dev.parley.server.http.HttpConnectionLimit;
import dev.parley.server.http.HttpExchangeControl;
import dev.parley.server.ws.WebSocketSessionHandler;
import dev.parley.server.ws.WebSocketUpgradeHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the pipeline of an accepted connection; holds no logic. In order:
 *
 * <ol>
 *   <li>{@code activity}: tells the session handler about every read, for idle detection; removed
 *       on upgrade, when the session handler gets the raw bytes and notes reads itself.</li>
 *   <li>{@code tls}: optional {@code SslHandler} (https / wss).</li>
 *   <li>{@code http}, {@code http-aggregator}: {@link HttpServerCodec} and an aggregator for REST
 *       bodies up to {@link #MAX_HTTP_BODY} ({@link HttpBodyLimit}: larger gets 413 with the API's
 *       error body). Both are removed on upgrade.</li>
 *   <li>{@code http-control}: {@link HttpExchangeControl}: answers pipelined requests in order and
 *       bounds how many wait, times requests ({@code server.http.requestTimeoutMs}) and idle
 *       keep-alive connections, refuses HTTP versions other than 1.0 and 1.1 (505); removes itself
 *       once the connection became a WebSocket.</li>
 *   <li>{@code ws-upgrade}: {@link WebSocketUpgradeHandler} on {@link #WEBSOCKET_PATH} (with or
 *       without a query string); removes itself once the handshake is answered. No extensions,
 *       so no permessage-deflate: chat frames are small, compression would cost CPU and a deflate
 *       window per connection, and compressing secrets next to attacker-chosen text invites
 *       CRIME/BREACH-style attacks.</li>
 *   <li>{@code session}: {@link WebSocketSessionHandler}, the WebSocket application: it reads the
 *       frames from the bytes and writes its frames as bytes (control frames, fragments,
 *       protocol checks; frames and messages
 *       above the hard limit, 4x {@code maxFrameBytes}, close with 1009; UTF-8 is validated after
 *       joining fragments, so that a bad frame gets an {@code INVALID_UTF8} error frame before the
 *       close, 1007); passes HTTP requests on.</li>
 *   <li>{@code api}: {@link HttpApiHandler}, REST, health, metrics, static files; removed on
 *       upgrade.</li>
 * </ol>
 *
 * <p>An open WebSocket therefore keeps one handler: the session.
 * Idle connections are found by {@link IdleSweep}, not a timer per connection. It must see every
 * byte, WebSocket pings and partial frames included, so reads are noted before anything decodes
 * them: by {@code activity} until the upgrade, then by the session handler, which gets the raw
 * bytes.
 */
public final class ParleyChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger log = LoggerFactory.getLogger(ParleyChannelInitializer.class);
    /** Refused connections are logged at most this often (a flood would otherwise flood the log). */
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The WebSocket endpoint. */
    public static final String WEBSOCKET_PATH = "/ws";
    /** Largest REST request body. */
    public static final int MAX_HTTP_BODY = 1 << 20;
    /** Time allowed for the WebSocket opening handshake. */
    public static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Pipeline name of the REST handler, which a connection drops once it became a WebSocket. */
    public static final String REST_HANDLER = "api";
    /** Pipeline name of the read reporter used until the upgrade. */
    public static final String ACTIVITY_HANDLER = "activity";
    /** Pipeline name of the {@link WebSocketSessionHandler}, which {@link IdleSweep} looks up. */
    public static final String SESSION_HANDLER = "session";

    private final SslContext ssl;
    private final Connections connections;
    private final Supplier<WebSocketSessionHandler> sessionHandlers;
    private final Supplier<HttpApiHandler> apiHandlers;
    private final HttpExchangeControl.Settings exchanges;
    private long lastRefusalLogNanos = System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS;

    /**
     * @param ssl             TLS context, or null for plain text
     * @param connections     every accepted channel joins them (swept for idleness, closed on shutdown)
     * @param sessionHandlers a new WebSocket handler per connection
     * @param apiHandlers     a new REST handler per connection
     * @param exchanges       HTTP deadlines and pipelining bound; its {@link HttpConnectionLimit} caps the
     *                        connections that are not WebSockets (more are closed when accepted)
     */
    public ParleyChannelInitializer(SslContext ssl, Connections connections,
                                    Supplier<WebSocketSessionHandler> sessionHandlers,
                                    Supplier<HttpApiHandler> apiHandlers, HttpExchangeControl.Settings exchanges) {
        this.ssl = ssl;
        this.connections = Objects.requireNonNull(connections, "connections");
        this.sessionHandlers = Objects.requireNonNull(sessionHandlers, "sessionHandlers");
        this.apiHandlers = Objects.requireNonNull(apiHandlers, "apiHandlers");
        this.exchanges = Objects.requireNonNull(exchanges, "exchanges");
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpConnectionLimit limit = exchanges.connections();
        if (limit != null && !limit.tryAcquire()) {
            // Closed before anything is read: no memory, and the file descriptor comes back at once.
            exchanges.metrics().httpRefused("connection_limit");
            logRefusal(limit);
            ch.close();
            return;
        }
        try {
            pipeline(ch);
        } catch (RuntimeException | Error e) {
            if (limit != null && ch.pipeline().get(HttpExchangeControl.class) == null) {
                limit.release(); // no HttpExchangeControl was added to give the place back
            }
            throw e;
        }
    }

    private void pipeline(SocketChannel ch) {
        connections.add(ch);
        ChannelPipeline p = ch.pipeline();
        WebSocketSessionHandler session = sessionHandlers.get();
        p.addLast(ACTIVITY_HANDLER, new ReadActivity(session));
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        p.addLast("http", new HttpServerCodec());
        p.addLast("http-aggregator", new HttpBodyLimit(MAX_HTTP_BODY));
        p.addLast("http-control", new HttpExchangeControl(exchanges));
        p.addLast("ws-upgrade", new WebSocketUpgradeHandler(WEBSOCKET_PATH, HANDSHAKE_TIMEOUT_MILLIS));
        p.addLast(SESSION_HANDLER, session);
        p.addLast(REST_HANDLER, apiHandlers.get());
    }

    private synchronized void logRefusal(HttpConnectionLimit limit) {
        long now = System.nanoTime();
        if (now - lastRefusalLogNanos >= REFUSAL_LOG_INTERVAL_NANOS) {
            lastRefusalLogNanos = now;
            log.warn("{} HTTP connections are open (server.http.maxConnections); refusing new ones", limit.max());
        }
    }

    /** Tells the session handler about each read (for idle detection) until the upgrade. */
    private static final class ReadActivity extends ChannelInboundHandlerAdapter {
        private final WebSocketSessionHandler session;

        ReadActivity(WebSocketSessionHandler session) {
            this.session = session;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            session.onRead();
            ctx.fireChannelRead(msg);
        }
    }
}
