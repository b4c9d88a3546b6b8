package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted stand-in for the Parley server, enough to exercise the SDK's connection logic:
 * token check, welcome, sync of a prepared inbox, acks, sends with dedup by client message id,
 * pings, and knobs to misbehave (kill connections, swallow replies, resend old entries).
 */
final class FakeParleyServer implements AutoCloseable {
    static final String TOKEN = "good-token";

    private final FrameCodec codec = new FrameCodec();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel serverChannel;
    private final List<Channel> clients = new CopyOnWriteArrayList<>();

    final List<ServerFrame> inbox = Collections.synchronizedList(new ArrayList<>());
    final List<ClientFrame> received = new CopyOnWriteArrayList<>();
    final AtomicLong acked = new AtomicLong();
    /** Acks above what was delivered on their connection, which the real server refuses. */
    final AtomicInteger rejectedAcks = new AtomicInteger();
    /** Delay before the server starts answering a sync (the real one reads the store first). */
    volatile long syncDelayMs;
    private final Map<Channel, Long> deliveredUpTo = new ConcurrentHashMap<>();
    final AtomicInteger connections = new AtomicInteger();
    private final Map<String, ServerFrame.Sent> sentByClientMsgId = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();

    /** Knobs, read on the event loop. */
    volatile boolean ignoreSyncCursor;
    volatile boolean answerPings = true;
    final AtomicInteger swallowSendsThenKill = new AtomicInteger();
    final List<String> sendErrors = Collections.synchronizedList(new ArrayList<>());

    FakeParleyServer() throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new AuthCheck(), new WebSocketServerProtocolHandler("/ws", null, false, 1 << 20, false, true),
                                new Frames());
                    }
                });
        serverChannel = b.bind("127.0.0.1", 0).sync().channel();
    }

    URI baseUri() {
        int port = ((java.net.InetSocketAddress) serverChannel.localAddress()).getPort();
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Appends an inbox entry (cursor = its position) and pushes it to connected clients. */
    void publishMessage(String conv, String from, String body) {
        ServerFrame f;
        synchronized (inbox) {
            long cursor = inbox.size() + 1;
            long s = seq.incrementAndGet();
            f = new ServerFrame.MessageEvent(cursor, new ServerFrame.MessageView(conv, s, "m" + s, from, "dev-" + from,
                    "c" + s, 1000 + s, body, "text/plain"));
            inbox.add(f);
        }
        broadcast(f);
    }

    void broadcast(ServerFrame f) {
        String text = codec.encode(f);
        for (Channel c : clients) {
            if (f instanceof ServerFrame.MessageEvent m) {
                deliveredUpTo.merge(c, m.cursor(), Math::max);
            }
            c.writeAndFlush(new TextWebSocketFrame(text));
        }
    }

    /** Drops every connection without a close frame. */
    void killConnections() {
        for (Channel c : clients) {
            c.close();
        }
    }

    long countReceived(Class<? extends ClientFrame> type) {
        return received.stream().filter(type::isInstance).count();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class AuthCheck extends SimpleChannelInboundHandler<FullHttpRequest> {
        AuthCheck() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!("Bearer " + TOKEN).equals(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                req.release();
                DefaultFullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED);
                resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.fireChannelRead(req);
        }
    }

    private final class Frames extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                connections.incrementAndGet();
                reply(ctx, new ServerFrame.Welcome(1, "alice", "dev-1", "fake", 0, Map.of()));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame msg) {
            ClientFrame f = codec.decodeClient(msg.text());
            received.add(f);
            if (f instanceof ClientFrame.Sync s) {
                if (syncDelayMs > 0) {
                    ctx.executor().schedule(() -> sync(ctx, s), syncDelayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                } else {
                    sync(ctx, s);
                }
            } else if (f instanceof ClientFrame.Ack a) {
                if (a.upTo() > deliveredUpTo.getOrDefault(ctx.channel(), 0L)) {
                    rejectedAcks.incrementAndGet();
                    reply(ctx, new ServerFrame.Error(a.id(), "INVALID_FIELD", "not delivered on this connection", false));
                    return;
                }
                acked.accumulateAndGet(a.upTo(), Math::max);
                reply(ctx, new ServerFrame.Ok(a.id()));
            } else {
                other(ctx, f);
            }
        }

        private void sync(ChannelHandlerContext ctx, ClientFrame.Sync s) {
            {
                long after = s.after() == null || ignoreSyncCursor ? (ignoreSyncCursor ? 0 : acked.get()) : s.after();
                List<ServerFrame> snapshot;
                synchronized (inbox) {
                    snapshot = new ArrayList<>(inbox);
                    clients.add(ctx.channel());
                }
                for (ServerFrame e : snapshot) {
                    if (((ServerFrame.MessageEvent) e).cursor() > after) {
                        reply(ctx, e);
                    }
                }
                deliveredUpTo.put(ctx.channel(), (long) snapshot.size());
                reply(ctx, new ServerFrame.Synced(s.id(), after, snapshot.size()));
            }
        }

        private void other(ChannelHandlerContext ctx, ClientFrame f) {
            if (f instanceof ClientFrame.Send s) {
                if (swallowSendsThenKill.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    // store it, but the reply is "lost" with the connection
                    store(s);
                    ctx.channel().close();
                    return;
                }
                synchronized (sendErrors) {
                    if (!sendErrors.isEmpty()) {
                        // "CODE" or "CODE:retryAfterMs"
                        String[] scripted = sendErrors.remove(0).split(":");
                        String code = scripted[0];
                        boolean retryable = dev.parley.protocol.ErrorCode.valueOf(code).retryable();
                        reply(ctx, new ServerFrame.Error(s.id(), code, "scripted " + code, retryable,
                                scripted.length > 1 ? Long.valueOf(scripted[1]) : null));
                        return;
                    }
                }
                boolean dup = sentByClientMsgId.containsKey(s.clientMsgId());
                ServerFrame.Sent stored = store(s);
                reply(ctx, new ServerFrame.Sent(s.id(), stored.conv(), stored.clientMsgId(), stored.msgId(), stored.seq(),
                        stored.ts(), dup));
            } else if (f instanceof ClientFrame.Ping p) {
                if (answerPings) {
                    reply(ctx, new ServerFrame.Pong(p.id(), System.currentTimeMillis()));
                }
            } else if (f instanceof ClientFrame.OpenDirect o) {
                reply(ctx, new ServerFrame.ConversationReply(o.id(), new ServerFrame.ConversationView(
                        "d:alice:" + o.user(), "direct", "", List.of("alice", o.user()), "alice", 1, 0, List.of(), 1)));
            } else {
                reply(ctx, new ServerFrame.Ok(f.id()));
            }
        }

        private ServerFrame.Sent store(ClientFrame.Send s) {
            return sentByClientMsgId.computeIfAbsent(s.clientMsgId(), k -> {
                long n = seq.incrementAndGet();
                return new ServerFrame.Sent(null, s.conv(), s.clientMsgId(), "m" + n, n, 1000 + n, false);
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            clients.remove(ctx.channel());
            super.channelInactive(ctx);
        }

        private void reply(ChannelHandlerContext ctx, ServerFrame f) {
            ctx.writeAndFlush(new TextWebSocketFrame(codec.encode(f)));
        }
    }
}
