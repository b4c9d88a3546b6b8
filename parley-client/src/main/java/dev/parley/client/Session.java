package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.Sent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// A little over 400 lines: the state machine's transitions (connect, open, welcome, sync, lose,
// detach, shut down) and the routing of each incoming frame read best side by side; everything
// they delegate to lives in the collaborators.

/**
 * The connection's state machine, on the loop thread: connect, authenticate (wait for
 * {@code welcome}), sync from the cursor, live; after a loss, wait and connect again; closed for
 * good once shut down. It routes incoming frames to the collaborators: replies to the
 * {@link PendingRequests}, {@code sent} to the {@link Outbox}, inbox entries (deduplicated) to the
 * {@link ListenerDispatch} and their cursors to the {@link AckTracker}; {@link Reconnection}
 * decides when to try again. The heartbeat watches the connection with the {@code ticker}.
 *
 * <p>Not thread-safe: every method runs on the loop thread, except the volatile views
 * ({@link #isConnected()}, {@link #user()}, {@link #device()}, {@link #resumeReading()}).
 */
final class Session implements Connection.Events, Outbox.Transport {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static final int DEDUP_WINDOW = 4096;

    private enum State { NEW, CONNECTING, AUTHENTICATING, SYNCING, LIVE, WAITING, CLOSED }

    private final String name;
    private final URI wsUri;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final FrameCodec codec = new FrameCodec();
    private final Executor loop;
    private final Scheduler scheduler;
    private final LongSupplier ticker;
    private final Callbacks callbacks;
    private final ListenerDispatch dispatch;
    private final CompletableFuture<Void> connected;
    private final PendingRequests requests;
    private final Outbox outbox;
    private final AckTracker acks;
    private final Reconnection reconnection;
    private final Heartbeat heartbeat;

    private volatile boolean isConnected;
    private volatile String user;
    private volatile String device;
    /** Written on the loop thread; volatile because the listener thread reads it to resume reading. */
    private volatile Connection conn;
    private State state = State.NEW;
    private String lastProblem = "not connected yet";
    private Scheduler.Task welcomeTimeout;
    private InboxDedup dedup;
    /** Whether the listener was told {@code onConnected} and not yet {@code onDisconnected}. */
    private boolean listenerConnected;

    /**
     * @param loop runs a task on the loop thread later (dropping it once the client is stopped)
     * @param connected completed when the first connection synced, failed when the client stops first
     */
    Session(String name, URI wsUri, String token, HttpClient http, Duration requestTimeout, Duration heartbeatInterval,
            Backoff backoff, int sendMaxAttempts, Duration sendMaxTime, Executor loop, Scheduler scheduler,
            LongSupplier ticker, DoubleSupplier random, Callbacks callbacks, ListenerDispatch dispatch,
            CompletableFuture<Void> connected) {
        this.name = name;
        this.wsUri = wsUri;
        this.token = token;
        this.http = http;
        this.requestTimeout = requestTimeout;
        this.loop = loop;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.callbacks = callbacks;
        this.dispatch = dispatch;
        this.connected = connected;
        this.requests = new PendingRequests(scheduler, callbacks, requestTimeout.toMillis());
        this.outbox = new Outbox(name, this, requests, scheduler, callbacks, backoff, random,
                requestTimeout.toMillis(), sendMaxAttempts, sendMaxTime.toMillis());
        this.acks = new AckTracker(scheduler, this::isUp, this::sendAck);
        this.reconnection = new Reconnection(name, backoff, scheduler, random, requests, dispatch);
        this.heartbeat = new Heartbeat(name, scheduler, ticker, requests, codec, this, this::isUp,
                heartbeatInterval.toMillis(), requestTimeout.toMillis());
    }

    boolean isConnected() {
        return isConnected;
    }

    String user() {
        return user;
    }

    String device() {
        return device;
    }

    /** The open connection, or null. */
    Connection connection() {
        return conn;
    }

    /** Any thread: the listener caught up, so the connection may read again. */
    void resumeReading() {
        Connection c = conn;
        if (c != null) {
            c.resumeIfDrained();
        }
    }

    /** Starts connecting, with the inbox after {@code cursor}; once. */
    void start(long cursor) {
        if (state != State.NEW) {
            return;
        }
        dedup = new InboxDedup(cursor, DEDUP_WINDOW);
        acks.start(cursor);
        attemptConnection();
    }

    /** A caller's request: fails at once unless connected; otherwise ends with its reply, a timeout or the connection. */
    <T> void request(Function<String, ClientFrame> make, Function<ServerFrame, T> map, CompletableFuture<T> f) {
        if (state == State.CLOSED) {
            callbacks.fail(f, closedException());
            return;
        }
        if (!isUp()) {
            callbacks.fail(f, ParleyClientException.local(ParleyClientException.NOT_CONNECTED,
                    "not connected (" + lastProblem + ")", true));
            return;
        }
        String id = requests.nextId();
        requests.await(id, f, map, false);
        send(make.apply(id));
    }

    /** A caller's send: kept by the outbox until answered. */
    void queueSend(String conv, String body, String contentType, String clientMsgId, CompletableFuture<Sent> f) {
        if (state == State.CLOSED) {
            callbacks.fail(f, closedException());
            return;
        }
        outbox.add(conv, body, contentType, clientMsgId, f);
    }

    /** The listener handled everything up to {@code cursor}, and it was saved. */
    void cursorSaved(long cursor) {
        acks.processed(cursor);
    }

    /** Presence of {@code users} was subscribed to: renewed on every later connection. */
    void subscribedPresence(List<String> users) {
        reconnection.subscribedPresence(users);
    }

    // Outbox.Transport

    @Override
    public boolean isUp() {
        return conn != null && (state == State.SYNCING || state == State.LIVE);
    }

    @Override
    public void send(ClientFrame frame) {
        conn.send(codec.encode(frame));
    }

    @Override
    public String lastProblem() {
        return lastProblem;
    }

    // Connection lifecycle

    private void attemptConnection() {
        reconnection.attempting();
        if (state == State.CLOSED) {
            return;
        }
        state = State.CONNECTING;
        Connection c = new Connection(this, loop, dispatch::backlog, ticker.getAsLong());
        conn = c;
        log.debug("{}: connecting to {} (attempt {})", name, wsUri, reconnection.attempt() + 1);
        CompletableFuture<WebSocket> opening;
        try {
            opening = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .connectTimeout(requestTimeout)
                    .buildAsync(wsUri, c);
        } catch (RuntimeException e) {
            lost(c, "cannot open WebSocket: " + e.getMessage(), e);
            return;
        }
        opening.whenComplete((ws, err) -> loop.execute(() -> {
            if (err != null) {
                lost(c, "cannot connect: " + Connection.describe(err), err);
            } else if (c != conn) {
                ws.abort();
            }
        }));
    }

    @Override
    public boolean isCurrent(Connection c) {
        return c == conn;
    }

    @Override
    public void opened(Connection c) {
        if (c != conn) {
            c.abort();
            return;
        }
        state = State.AUTHENTICATING;
        c.pump();
        welcomeTimeout = scheduler.schedule(() -> {
            if (c == conn && state == State.AUTHENTICATING) {
                c.abort();
                lost(c, "no welcome within " + requestTimeout.toMillis() + " ms", null);
            }
        }, requestTimeout.toMillis());
    }

    private void welcomed(Connection c, ServerFrame.Welcome w) {
        Scheduler.cancel(welcomeTimeout);
        welcomeTimeout = null;
        user = w.user();
        device = w.device();
        state = State.SYNCING;
        isConnected = true;
        listenerConnected = true;
        acks.connected();
        log.debug("{}: connected as {} / {} to server {}", name, w.user(), w.device(), w.server());
        dispatch.connected();
        Consumer<ClientFrame> sendOnC = frame -> c.send(codec.encode(frame));
        long after = dedup.highest();
        acks.syncing(after);
        reconnection.resync(after, sendOnC, (s, err) -> loop.execute(() -> {
            if (c != conn) {
                return;
            }
            if (err != null) {
                ParleyClientException e = ParleyClientException.unwrap(err);
                log.warn("{}: sync failed: {}", name, e != null ? e.getMessage() : err.toString());
                c.abort();
                lost(c, "sync failed", err);
            } else {
                synced(s);
            }
        }));
        outbox.connected();
        reconnection.resubscribe(sendOnC);
        heartbeat.start(c, w.heartbeatSeconds());
    }

    private void synced(ServerFrame.Synced s) {
        state = State.LIVE;
        reconnection.synced();
        acks.synced(s.from());
        long head = s.head();
        log.debug("{}: synced from {} to head {}", name, s.from(), head);
        dispatch.synced(head, () -> {
            if (!connected.isDone()) {
                callbacks.execute(() -> connected.complete(null));
            }
        });
    }

    private void sendAck(long upTo) {
        String id = requests.nextId();
        CompletableFuture<Void> p = new CompletableFuture<>();
        requests.await(id, p, Replies.done(), true);
        p.whenComplete((v, err) -> {
            if (err != null) {
                log.debug("{}: ack {} not confirmed: {}", name, upTo, err.toString());
            }
        });
        send(new ClientFrame.Ack(id, upTo));
    }

    /** The current connection is gone (or never came up): clean up and schedule the next attempt. */
    @Override
    public void lost(Connection c, String reason, Throwable cause) {
        if (c != conn || state == State.CLOSED) {
            return;
        }
        if (Connection.isFatalAuthFailure(cause)) {
            shutDown("unauthenticated: the server rejected the token",
                    new ParleyClientException(ErrorCode.UNAUTHENTICATED, "the server rejected the token"));
            return;
        }
        detach(reason);
        scheduleReconnect(reconnection.nextDelayMillis());
    }

    private void detach(String reason) {
        detach(reason, ParleyClientException.local(ParleyClientException.NOT_CONNECTED,
                "connection lost before the reply: " + reason, true));
    }

    private void detach(String reason, ParleyClientException requestFailure) {
        Connection c = conn;
        conn = null;
        if (c != null) {
            c.markDead();
        }
        lastProblem = reason;
        isConnected = false;
        state = State.WAITING;
        heartbeat.stop();
        acks.connectionLost();
        Scheduler.cancel(welcomeTimeout);
        welcomeTimeout = null;
        requests.failAll(requestFailure);
        outbox.connectionLost();
        if (listenerConnected) {
            listenerConnected = false;
            log.info("{}: disconnected: {}", name, reason);
            dispatch.disconnected(reason);
        } else {
            log.debug("{}: connection attempt failed: {}", name, reason);
        }
    }

    private void scheduleReconnect(long delayMillis) {
        if (state == State.CLOSED) {
            return;
        }
        reconnection.schedule(delayMillis, this::attemptConnection);
    }

    /**
     * Stops for good: acknowledges what it can, closes the connection after what is queued, and
     * fails pending requests and sends (and {@code connect()}, if it had not completed) with {@code failure}.
     */
    void shutDown(String reason, ParleyClientException failure) {
        if (state == State.CLOSED) {
            return;
        }
        Connection c = conn;
        acks.flushIfBehind();
        detach(reason, failure);
        if (c != null) {
            c.close();
        }
        state = State.CLOSED;
        isConnected = false;
        reconnection.stop();
        outbox.failAll(failure);
        if (!connected.isDone()) {
            callbacks.execute(() -> connected.completeExceptionally(failure));
        }
        if (failure.errorCode() == ErrorCode.UNAUTHENTICATED) {
            log.warn("{}: {}; not reconnecting", name, reason);
        }
    }

    // Incoming frames

    @Override
    public void received(Connection c, String text) {
        if (c != conn) {
            return;
        }
        c.lastFrameNanos = ticker.getAsLong();
        ServerFrame f;
        try {
            f = codec.decodeServer(text);
        } catch (IllegalArgumentException e) {
            log.warn("{}: ignoring a frame that this SDK cannot read: {}", name, e.getMessage());
            return;
        }
        if (f instanceof ServerFrame.MessageEvent m) {
            InboxDedup.Verdict v = dedup.offerMessage(m.cursor(), m.message().conv(), m.message().seq());
            acks.delivered(m.cursor());
            dispatch.message(m, v);
        } else if (f instanceof ServerFrame.ReceiptEvent r) {
            InboxDedup.Verdict v = dedup.offer(r.cursor());
            acks.delivered(r.cursor());
            dispatch.receipt(r, v);
        } else if (f instanceof ServerFrame.MembershipEvent m) {
            InboxDedup.Verdict v = dedup.offer(m.cursor());
            acks.delivered(m.cursor());
            dispatch.membership(m, v);
        } else if (f instanceof ServerFrame.PresenceEvent p) {
            dispatch.presence(p);
        } else if (f instanceof ServerFrame.TypingEvent t) {
            dispatch.typing(t);
        } else if (f instanceof ServerFrame.Welcome w) {
            welcomed(c, w);
        } else if (f instanceof ServerFrame.Reconnect r) {
            long delay = reconnection.serverAskedDelayMillis(r.retryAfterMs());
            log.info("{}: server asked to reconnect ({}) in {} ms", name, r.reason(), delay);
            detach("server asked to reconnect: " + r.reason());
            c.close();
            scheduleReconnect(delay);
        } else if (f instanceof ServerFrame.Sent s) {
            outbox.sent(s);
        } else if (f instanceof ServerFrame.Error e && e.id() == null) {
            log.warn("{}: server error {}: {}", name, e.code(), e.message());
            if (ErrorCode.UNAUTHENTICATED.name().equals(e.code())) {
                shutDown("unauthenticated: " + e.message(), new ParleyClientException(ErrorCode.UNAUTHENTICATED, e.message()));
            }
        } else {
            String id = Replies.replyId(f);
            if (id != null && outbox.owns(id) && f instanceof ServerFrame.Error e) {
                outbox.error(id, e);
                return;
            }
            if (!requests.complete(id, f)) {
                log.debug("{}: reply to an unknown or expired request {}", name, id);
            }
        }
    }

    static ParleyClientException closedException() {
        return ParleyClientException.local(ParleyClientException.CLOSED, "the client is closed", false);
    }
}
