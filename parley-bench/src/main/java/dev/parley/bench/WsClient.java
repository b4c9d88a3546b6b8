package dev.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
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
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
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
 * every connection of a worker process. A connection's pipeline is {@link ClientHandshake} (the
 * upgrade, written and checked by hand; it replaces itself with Netty's frame decoder and a shared
 * masking encoder) → frame aggregator → {@link Conn} (which answers pings and the server's close).
 *
 * <p>Thread-safe: {@link #connect} may be called from any thread.
 */
final class WsClient implements AutoCloseable {
    /** Connections per source address, comfortably below the 28,232 ephemeral ports of one. */
    static final int PER_SOURCE_ADDRESS = 25_000;
    /** Source addresses 127.0.0.2 to 127.0.0.251, taken in turn. */
    static final int SOURCE_ADDRESSES = 250;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    /** A constructor reference, not {@code .channel(class)}: the reflective call showed in profiles. */
    private final ChannelFactory<SocketChannel> channelFactory;
    private final List<ClientHandshake.Request> requests;
    /** Immutable, so one for every connection. */
    private final WebSocketDecoderConfig decoderConfig = ClientHandshake.clientDecoderConfig(1 << 20);
    private final List<InetSocketAddress> remotes;
    private final boolean bindSource;
    private final String transport;
    /** 127.0.0.n by n, made once each (parsing the literal per connect showed in profiles). */
    private final InetSocketAddress[] sourceAddresses = new InetSocketAddress[255];

    /**
     * @param wsUris     the servers' {@code ws://host:port/ws} addresses; connection {@code i} goes to
     *                   server {@code i mod n}
     * @param ioThreads  event-loop threads
     * @param bindSource bind connection {@code i} to 127.0.0.(2 + i mod {@link #SOURCE_ADDRESSES});
     *                   only for an IPv4 loopback server
     */
    WsClient(List<URI> wsUris, int ioThreads, boolean bindSource) throws UnknownHostException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<ClientHandshake.Request> reqs = new ArrayList<>();
        boolean allLoopbackV4 = true;
        for (URI uri : wsUris) {
            reqs.add(new ClientHandshake.Request(uri));
            InetAddress host = InetAddress.getByName(uri.getHost());
            addresses.add(new InetSocketAddress(host, uri.getPort() == -1 ? 80 : uri.getPort()));
            allLoopbackV4 &= host.isLoopbackAddress() && host.getAddress().length == 4;
        }
        this.remotes = List.copyOf(addresses);
        this.requests = List.copyOf(reqs);
        this.bindSource = bindSource && allLoopbackV4;
        if (Epoll.isAvailable()) {
            group = new MultiThreadIoEventLoopGroup(ioThreads, EpollIoHandler.newFactory());
            channelClass = EpollSocketChannel.class;
            channelFactory = EpollSocketChannel::new;
            transport = "epoll";
        } else {
            group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
            channelClass = NioSocketChannel.class;
            channelFactory = NioSocketChannel::new;
            transport = "nio";
        }
    }

    String transport() {
        return transport;
    }

    EventLoopGroup group() {
        return group;
    }

    /**
     * The source address of connection {@code index}, or null to let the kernel choose. Addresses
     * are taken in turn, not filled one after the other: the kernel's search for a free port of an
     * address (connect's {@code __inet_hash_connect}) grows with the ports already used, and took
     * 6 % of the load generator's CPU while 16,000 connections came from one address.
     */
    InetSocketAddress sourceFor(int index) {
        if (!bindSource) {
            return null;
        }
        if (index >= SOURCE_ADDRESSES * PER_SOURCE_ADDRESS) {
            throw new IllegalArgumentException("too many connections for 127.0.0.2-251: " + index);
        }
        int n = 2 + index % SOURCE_ADDRESSES;
        InetSocketAddress a = sourceAddresses[n];
        if (a == null) {
            a = new InetSocketAddress("127.0.0." + n, 0);
            sourceAddresses[n] = a; // racy but idempotent: equal addresses
        }
        return a;
    }

    /** Starts connecting {@code conn}; its listener hears how it went. */
    void connect(Conn conn) {
        int server = conn.cred().index() % remotes.size();
        ClientHandshake handshake = new ClientHandshake(requests.get(server), conn.cred().token(), decoderConfig,
                30_000);
        Bootstrap b = new Bootstrap()
                .group(group)
                .channelFactory(channelFactory)
                .option(ChannelOption.TCP_NODELAY, true)
                // A bound source port still in TIME_WAIT from the previous run may be reused.
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("ws-upgrade", handshake);
                        ch.pipeline().addLast(new WebSocketFrameAggregator(1 << 20), conn);
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
