package dev.parley.server;

import dev.parley.core.Parley;
import dev.parley.core.ParleySettings;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.protocol.FrameCodec;
import dev.parley.server.config.ConfigException;
import dev.parley.server.config.ServerConfig;
import dev.parley.server.http.AdminHttpHandler;
import dev.parley.server.http.HttpApiHandler;
import dev.parley.server.http.HttpBodyLimit;
import dev.parley.server.http.HttpConnectionLimit;
import dev.parley.server.http.HttpExchangeControl;
import dev.parley.server.http.RestApi;
import dev.parley.server.http.StaticFiles;
import dev.parley.server.ws.SessionGateway;
import dev.parley.server.ws.WebSocketSessionHandler;
import dev.parley.server.ws.WebSocketSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Parley server process: wires the store, the core's ports and {@link Parley} from a
 * {@link ServerConfig}, and serves WebSocket and REST on one port with Netty (epoll on Linux when
 * available, NIO otherwise; one acceptor thread, one I/O thread per core), and {@code /metrics}
 * and {@code /health} on a second, admin, port ({@code server.admin.*}, loopback by default).
 *
 * <p>Lifecycle: {@link #start} returns once the ports are bound; {@link #close} stops gracefully —
 * drain for {@code server.shutdownGraceSeconds} ({@code /health} 503, WebSocket upgrades refused,
 * every client told to reconnect: {@code reconnect} frame, close 1001), then close the ports, the
 * remaining connections and threads, and close the store last, so every acknowledged write is
 * on disk when it returns. {@code close} is idempotent and thread-safe; {@link #awaitShutdown}
 * waits for it.
 *
 * <p>Over 400 lines: it is the composition root of a server process (listeners, adapters,
 * core, admin, drain and shutdown order), and the order of start and stop is its point; the
 * parts it wires live in their own packages.
 */
public final class ParleyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyServer.class);
    /** Size of each socket read; a larger burst takes more reads (up to 16 per wake-up). */
    static final int READ_BUFFER_BYTES = 8192;

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final Adapters.Store store;
    private final Parley parley;
    private final PushWiring push;
    private final StaticFiles staticFiles;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Connections connections;
    private final IdleSweep idleSweep;
    private final Channel serverChannel;
    private final int port;
    private final String listenUrl;
    /** The admin listener (metrics, health), or null when metrics are off. */
    private final Channel adminChannel;
    private final String adminUrl;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ParleyServer(ServerConfig config) {
        this.config = config;
        CriticalThreads.installDefaultHandler();
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            SslContext ssl = sslContext(config.server().tls());
            this.metrics = config.metrics().enabled() ? ServerMetrics.prometheus() : ServerMetrics.inMemory();
            opened.push(metrics);
            Clock clock = Clock.systemUTC();
            ParleySettings settings = config.toSettings();
            this.store = Adapters.store(config, settings.serverId(), clock, metrics.registry());
            opened.push(store.closeable());
            PresenceRegistry presence = Adapters.presence(config.presence(), clock, metrics.registry());
            opened.push(presence);
            MessageRouter router = Adapters.router(config.router(), settings.serverId(), presence, metrics.registry(),
                    clock);
            opened.push(router);
            this.push = new PushWiring(config.push(), clock);
            opened.push(push);
            this.parley = new Parley(settings, store.accounts(), store.contacts(), store.conversations(),
                    store.messages(), router, presence, push.senders, push.settings, clock, metrics.registry());
            opened.push(parley);
            parley.start();
            store.routerStarted().accept(router);
            this.staticFiles = new StaticFiles(ParleyServer.class.getClassLoader(), "web");
            opened.push(staticFiles);

            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            Class<? extends ServerSocketChannel> channelType =
                    epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            this.boss = new MultiThreadIoEventLoopGroup(1, CriticalThreads.factory("parley-accept"), io);
            opened.push(() -> boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            this.workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                    CriticalThreads.factory("parley-io"), io);
            opened.push(() -> workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            this.connections = new Connections(workers);

            FrameCodec codec = new FrameCodec();
            SessionGateway gateway = SessionGateway.of(parley);
            ServerConfig.Server net = config.server();
            ServerConfig.Limits limits = config.limits();
            WebSocketSettings sessionSettings = new WebSocketSettings(gateway, codec,
                    metrics, net.maxFrameBytes(), WebSocketSessionHandler.AUTH_TIMEOUT, limits.outboundHardLimitBytes(),
                    net.closeTimeout(), limits.rateLimitPerSecond(), limits.rateLimitBurst(), System::nanoTime);
            ServerConfig.Http http = net.http();
            HttpExchangeControl.Settings exchanges = new HttpExchangeControl.Settings(http.requestTimeout(),
                    http.idleTimeout(), http.maxPipelinedRequests(), this::isShuttingDown,
                    new HttpConnectionLimit(http.maxConnections()), metrics);
            RestApi restApi = new RestApi(parley, codec.mapper(), staticFiles, this::isShuttingDown,
                    config.push().webpush().enabled() ? config.push().webpush().publicKey() : null);
            ParleyChannelInitializer initializer = new ParleyChannelInitializer(ssl, connections,
                    () -> new WebSocketSessionHandler(sessionSettings),
                    () -> new HttpApiHandler(restApi, metrics),
                    exchanges);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    // Fixed, shared: the adaptive allocator's per-channel handle keeps a size
                    // calculator (about 48 bytes more per idle connection); read buffers are
                    // transient, and chat frames are small.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BUFFER_BYTES))
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                            Math.max(1, config.limits().maxOutboundBytes() / 8), config.limits().maxOutboundBytes()))
                    .childHandler(initializer);
            this.idleSweep = IdleSweep.start(workers, connections, Duration.ofSeconds(net.idleTimeoutSeconds()));
            opened.push(idleSweep);
            try {
                this.serverChannel = bootstrap.bind(net.host(), net.port()).sync().channel();
            } catch (Exception e) {
                throw new IllegalStateException("cannot listen on " + net.host() + ":" + net.port() + ": " + e, e);
            }
            opened.push(serverChannel::close);
            this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
            this.listenUrl = (ssl != null ? "https://" : "http://") + urlHost(net.host()) + ":" + port;
            this.adminChannel = metrics.scrapable() ? bindAdmin(net, channelType, http) : null;
            this.adminUrl = adminChannel == null ? null : "http://" + urlHost(net.admin().host()) + ":"
                    + ((InetSocketAddress) adminChannel.localAddress()).getPort();
            log.info("Parley {} listening on {} ({}, {}; store {}; router {}; presence {}; server id {})", version(),
                    listenUrl, epoll ? "epoll" : "nio", ssl != null ? "tls" : "plain text", store.description(),
                    config.router().type(), config.presence().type(), parley.serverId());
            if (adminUrl != null) {
                log.info("admin listener (GET /metrics, GET /health) on {}", adminUrl);
            }
        } catch (RuntimeException | Error e) {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Opens the store, starts the core and binds the port.
     *
     * @throws ConfigException       when TLS files cannot be loaded
     * @throws IllegalStateException when the port cannot be bound
     * @throws dev.parley.protocol.ParleyException UNAVAILABLE when the store cannot be opened
     *         (for example, another server holds its lock)
     */
    public static ParleyServer start(ServerConfig config) {
        return new ParleyServer(config);
    }

    /** The bound port (the chosen one when configured with 0). */
    public int port() {
        return port;
    }

    /** Base URL, {@code http://host:port} or {@code https://...}; the WebSocket is at {@code /ws}. */
    public String listenUrl() {
        return listenUrl;
    }

    /**
     * Base URL of the admin listener, {@code http://host:port}, which serves {@code /metrics} and
     * {@code /health}; null when {@code metrics.enabled} is false.
     */
    public String adminUrl() {
        return adminUrl;
    }

    /** The core (tests and tools). */
    public Parley parley() {
        return parley;
    }

    /** The configuration this server runs with. */
    public ServerConfig config() {
        return config;
    }

    /** Whether {@link #close} has begun. */
    public boolean isShuttingDown() {
        return closing.get() || parley.isShuttingDown();
    }

    /** Blocks until {@link #close} has finished. */
    public void awaitShutdown() throws InterruptedException {
        closed.await();
    }

    /**
     * Stops gracefully; idempotent; what the SIGTERM hook of {@link #main} runs. First it drains
     * for {@code server.shutdownGraceSeconds}: {@code /health} answers 503 (so that a load balancer
     * takes the server out), WebSocket upgrades are refused (503), REST connections close after
     * their answer, and every WebSocket client is told to reconnect ({@code reconnect} frame with a
     * delay spread over the grace period, then close 1001). Then the ports close, the remaining
     * connections and threads, and the store last, so every acknowledged write is on disk when it
     * returns. Blocks until then (a concurrent caller waits for the first one). Do not call from a
     * Netty event loop.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        Duration grace = config.server().shutdownGrace();
        log.info("shutting down: draining for {} s (/health answers 503); {} sessions are told to reconnect",
                grace.toSeconds(), parley.sessionCount());
        try {
            long drainEnd = System.nanoTime() + grace.toNanos();
            parley.shutdown(grace);
            sleepUntil(drainEnd); // the ports stay open: health checks see 503 meanwhile
            // A WebSocket upgraded just before the drain may have opened its session since: told too.
            parley.shutdown(Duration.ofSeconds(1));
            serverChannel.close().awaitUninterruptibly();
            if (adminChannel != null) {
                adminChannel.close().awaitUninterruptibly();
            }
            // The core sent "reconnect" and closed each WebSocket at once; wait for the closes to go out.
            List<Channel> webSockets = connections.snapshot().stream().filter(WebSocketSessionHandler::isWebSocket)
                    .toList();
            long stillOpen = awaitClosed(webSockets, 2_000);
            if (stillOpen > 0) {
                log.warn("{} WebSocket connections did not close in time; closing them now", stillOpen);
            }
            idleSweep.close();
            List<Channel> rest = connections.snapshot();
            rest.forEach(Channel::close); // open WebSockets get a close frame (1000) from their handler
            awaitClosed(rest, 2_000);
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
            closeQuietly(parley, "core");
            closeQuietly(push, "push senders");
            closeQuietly(staticFiles, "static files");
            closeQuietly(metrics, "metrics");
        } finally {
            // Last: pending group commits finish, so every acknowledged send is on disk.
            closeQuietly(store.closeable(), "store");
            log.info("Parley stopped");
            closed.countDown();
        }
    }

    /** Sleeps until {@code System.nanoTime()} reaches {@code deadline}; an interrupt is kept for later. */
    private static void sleepUntil(long deadline) {
        boolean interrupted = false;
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- wiring ---------------------------------------------------------------------------

    /** Largest request body of the admin listener (it serves GETs only). */
    private static final int ADMIN_MAX_BODY = 8_192;

    /**
     * Binds the admin listener: the same event loops, and the API's HTTP guards (deadlines,
     * pipelining bound, versions) without the connection cap, which is the API's.
     */
    private Channel bindAdmin(ServerConfig.Server net, Class<? extends ServerSocketChannel> channelType,
                              ServerConfig.Http http) {
        HttpExchangeControl.Settings exchanges = new HttpExchangeControl.Settings(http.requestTimeout(),
                http.idleTimeout(), http.maxPipelinedRequests(), () -> false, null, metrics);
        AdminHttpHandler admin = new AdminHttpHandler(parley, metrics, this::isShuttingDown);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpBodyLimit(ADMIN_MAX_BODY),
                                new HttpExchangeControl(exchanges), admin);
                    }
                });
        ServerConfig.Admin a = net.admin();
        try {
            return bootstrap.bind(a.host(), a.port()).sync().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + a.host() + ":" + a.port()
                    + " (server.admin.host/port, the metrics listener): " + e, e);
        }
    }

    private static SslContext sslContext(ServerConfig.Tls tls) {
        if (!tls.enabled()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile()).build();
        } catch (Exception e) {
            throw new ConfigException("server.tls: cannot load certificate " + tls.cert() + " and key " + tls.key()
                    + " (PEM; the key must be PKCS#8, \"BEGIN PRIVATE KEY\"): " + e.getMessage());
        }
    }

    private static String urlHost(String host) {
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return "localhost";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String version() {
        String v = ParleyServer.class.getPackage().getImplementationVersion();
        return v == null ? "(dev)" : v;
    }

    /** Waits until every channel is closed or the time is up; returns how many are still open. */
    private static long awaitClosed(List<Channel> channels, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Channel ch : channels) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !ch.closeFuture().awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left))) {
                break;
            }
        }
        return channels.stream().filter(Channel::isOpen).count();
    }

    private static void closeQuietly(AutoCloseable c, String what) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("error closing the {}", what, e);
        }
    }

    // ---- threads that must not die ----------------------------------------------------------

    /**
     * A server whose event loop, acceptor or store committer died goes on half-alive: the port is
     * open, {@code /health} hangs, SIGTERM's graceful close waits on the dead threads. Such a
     * death halts the process instead, with {@link #EXIT_CODE}, after logging it, so that a
     * supervisor restarts it. {@code Runtime.halt}, not {@code System.exit}: the shutdown hook
     * would wait on the very threads that died. A {@link VirtualMachineError} (out of memory,
     * stack overflow) in any thread halts too; other threads' uncaught exceptions are logged.
     *
     * <p>Out-of-memory errors that Netty or an executor catch never reach a handler: the JVM flag
     * {@code -XX:+ExitOnOutOfMemoryError}, which the {@code parley} launcher sets, covers those.
     */
    static final class CriticalThreads {
        /** Exit status of a halt: {@code EX_SOFTWARE} of sysexits.h. */
        static final int EXIT_CODE = 70;
        /** Name prefixes of the threads the server cannot live without. */
        static final List<String> CRITICAL = List.of("parley-accept", "parley-io", "parley-rocksdb-committer");
        private static final IntConsumer HALT = code -> Runtime.getRuntime().halt(code);

        private CriticalThreads() {
        }

        /** Netty threads named {@code prefix-N-M} whose uncaught exception halts the process. */
        static ThreadFactory factory(String prefix) {
            return factory(prefix, HALT);
        }

        static ThreadFactory factory(String prefix, IntConsumer halt) {
            Thread.UncaughtExceptionHandler handler = handler(halt);
            return new DefaultThreadFactory(prefix) {
                @Override
                protected Thread newThread(Runnable r, String name) {
                    Thread t = super.newThread(r, name);
                    t.setUncaughtExceptionHandler(handler);
                    return t;
                }
            };
        }

        /**
         * The JVM's default handler, for the critical threads the server does not create (the store
         * committer); installed once, and only where no other default handler was set.
         */
        static synchronized void installDefaultHandler() {
            if (Thread.getDefaultUncaughtExceptionHandler() == null) {
                Thread.setDefaultUncaughtExceptionHandler(handler(HALT));
            }
        }

        /** Halts (through {@code halt}) for a critical thread or a VM error; logs anything else. */
        static Thread.UncaughtExceptionHandler handler(IntConsumer halt) {
            return (thread, error) -> {
                boolean critical = CRITICAL.stream().anyMatch(thread.getName()::startsWith);
                if (critical || error instanceof VirtualMachineError) {
                    try {
                        log.error("{} thread {} died; halting with status {} so that a supervisor restarts the "
                                + "server", critical ? "critical" : "a", thread.getName(), EXIT_CODE, error);
                    } finally {
                        halt.accept(EXIT_CODE);
                    }
                } else {
                    log.error("uncaught exception in thread {}", thread.getName(), error);
                }
            };
        }
    }

    // ---- main -----------------------------------------------------------------------------

    /**
     * Starts a server and runs until the JVM is asked to stop (Ctrl-C, SIGTERM), then shuts down
     * gracefully. Options: {@code --config FILE} (else {@code $PARLEY_CONFIG}, else defaults),
     * {@code --port N}, {@code --data-dir DIR}; environment variables {@code PARLEY_*} override
     * the file.
     */
    public static void main(String[] args) {
        int status = run(args, System.getenv(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path file = env.containsKey("PARLEY_CONFIG") && !env.get("PARLEY_CONFIG").isBlank()
                ? Path.of(env.get("PARLEY_CONFIG")) : null;
        Integer port = null;
        Path dataDir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
                String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
                switch (name) {
                    case "--help", "-h" -> {
                        out.println("usage: parley-server [--config FILE] [--port N] [--data-dir DIR]\n"
                                + "Every key of the config file can be overridden by an environment variable "
                                + "PARLEY_<SECTION>_<KEY>,\ne.g. PARLEY_SERVER_PORT=9000; "
                                + "see parley-default.yaml for every key and its default.");
                        return 0;
                    }
                    case "--config", "-c" -> file = Path.of(value != null ? value : next(args, ++i, name));
                    case "--port", "-p" -> port = Integer.parseInt(value != null ? value : next(args, ++i, name));
                    case "--data-dir" -> dataDir = Path.of(value != null ? value : next(args, ++i, name));
                    default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("parley: " + e.getMessage());
            return 2;
        }
        ParleyServer server;
        try {
            ServerConfig config = ServerConfig.load(file, env);
            if (port != null) {
                config = config.withPort(port);
            }
            if (dataDir != null) {
                config = config.withDataDir(dataDir);
            }
            server = start(config);
        } catch (ConfigException e) {
            err.println("parley: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("parley: cannot start: " + e.getMessage());
            log.error("start-up failed", e);
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "parley-shutdown"));
        if (server.adminUrl() != null) {
            out.println("Parley admin (metrics, health) on " + server.adminUrl());
        }
        out.println("Parley listening on " + server.listenUrl() + " (WebSocket "
                + server.listenUrl().replaceFirst("^http", "ws") + ParleyChannelInitializer.WEBSOCKET_PATH + ")");
        out.flush();
        try {
            server.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
