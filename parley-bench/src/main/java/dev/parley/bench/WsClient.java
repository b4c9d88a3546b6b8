package dev.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's WebSocket client: one event-loop group (native epoll when available) for
 * every connection of a worker process. A connection's pipeline is HTTP codec → aggregator (for
 * the upgrade response only; the handshaker removes both) → WebSocket protocol handler (upgrade,
 * close and pong frames) → frame aggregator → {@link Conn}.
 *
 * <p>Thread-safe: {@link #connect} may be called from any thread.
 */
final class WsClient implements AutoCloseable {
    /** Connections per source address, comfortably below the 28,232 ephemeral ports of one. */
    static final int PER_SOURCE_ADDRESS = 25_000;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final List<URI> wsUris;
    private final List<InetSocketAddress> remotes;
    private final boolean bindSource;
    private final String transport;

    /**
     * @param wsUris     the servers' {@code ws://host:port/ws} addresses; connection {@code i} goes to
     *                   server {@code i mod n}
     * @param ioThreads  event-loop threads
     * @param bindSource bind connection {@code i} to 127.0.0.(2 + i / {@link #PER_SOURCE_ADDRESS});
     *                   only for an IPv4 loopback server
     */
    WsClient(List<URI> wsUris, int ioThreads, boolean bindSource) throws UnknownHostException {
        this.wsUris = List.copyOf(wsUris);
        List<InetSocketAddress> addresses = new ArrayList<>();
        boolean allLoopbackV4 = true;
        for (URI uri : wsUris) {
            InetAddress host = InetAddress.getByName(uri.getHost());
            addresses.add(new InetSocketAddress(host, uri.getPort() == -1 ? 80 : uri.getPort()));
            allLoopbackV4 &= host.isLoopbackAddress() && host.getAddress().length == 4;
        }
        this.remotes = List.copyOf(addresses);
        this.bindSource = bindSource && allLoopbackV4;
        if (Epoll.isAvailable()) {
            group = new MultiThreadIoEventLoopGroup(ioThreads, EpollIoHandler.newFactory());
            channelClass = EpollSocketChannel.class;
            transport = "epoll";
        } else {
            group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
            channelClass = NioSocketChannel.class;
            transport = "nio";
        }
    }

    String transport() {
        return transport;
    }

    EventLoopGroup group() {
        return group;
    }

    /** The source address of connection {@code index}, or null to let the kernel choose. */
    InetSocketAddress sourceFor(int index) {
        if (!bindSource) {
            return null;
        }
        int n = 2 + index / PER_SOURCE_ADDRESS;
        if (n > 254) {
            throw new IllegalArgumentException("too many connections for 127.0.0.2-254: " + index);
        }
        return new InetSocketAddress("127.0.0." + n, 0);
    }

    /** Starts connecting {@code conn}; its listener hears how it went. */
    void connect(Conn conn) {
        int server = conn.cred().index() % remotes.size();
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.add(HttpHeaderNames.AUTHORIZATION, "Bearer " + conn.cred().token());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(wsUris.get(server))
                .customHeaders(headers)
                .maxFramePayloadLength(1 << 20)
                .handshakeTimeoutMillis(30_000)
                .dropPongFrames(true)
                .handleCloseFrames(true)
                .withUTF8Validator(false)
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                // A bound source port still in TIME_WAIT from the previous run may be reused.
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16_384),
                                new WebSocketClientProtocolHandler(config), new WebSocketFrameAggregator(1 << 20),
                                conn);
                    }
                });
        if (bindSource && channelClass == EpollSocketChannel.class) {
            // Bind picks the address only; the port is chosen at connect, per destination. A plain
            // bind to port 0 searches the address's whole port space and slows down with every
            // socket already open (connects fell from 1,300/s to 200/s by 10,000 connections).
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        conn.connectStartMicros = Micros.now();
        InetSocketAddress local = sourceFor(conn.cred().index());
        InetSocketAddress remote = remotes.get(server);
        ChannelFuture f = local == null ? b.connect(remote) : b.connect(remote, local);
        Channel ch = f.channel();
        conn.bind(ch);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                conn.connectFailed(done.cause());
            }
        });
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
