package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MessageInfoReply;
import dev.parley.protocol.ServerFrame.PresenceView;
import dev.parley.protocol.ServerFrame.Sent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's connection to a Parley server over WebSocket: it authenticates with the device's
 * token, receives the user's inbox (messages, receipts, membership changes) from its saved
 * cursor, sends messages exactly once, and stays connected, reconnecting with exponential backoff
 * and jitter after any disconnect (server close, network error, missed heartbeats, or a
 * {@code reconnect} request from the server) and re-syncing from its cursor.
 *
 * <p>Guarantees: every inbox event reaches the {@link ParleyListener} once per
 * {@link CursorStore} (duplicates resent by the server are dropped by cursor, messages also by
 * {@code (conv, seq)}); its cursor is saved after the listener returns and then acknowledged to
 * the server, in batches (at most 50 ms or 100 events later). A {@link #send} is kept until the
 * server answers {@code sent} and re-sent with the same client message id after a reconnect, so
 * its future completes exactly once with the one message the server stored.
 *
 * <p>Threading: thread-safe; every method returns at once without blocking (except
 * {@link #close()}, which waits briefly for pending listener calls). Connection state lives on one
 * internal thread; the listener runs on a second one; futures are completed on the callback
 * executor (by default a shared pool of daemon threads, so dependent stages may block, and may
 * complete in any order relative to each other).
 *
 * <p>Failures: futures complete exceptionally with {@link ParleyClientException}. Requests other
 * than {@link #send} need a connection: issued while disconnected they fail at once with the
 * retryable code {@link ParleyClientException#NOT_CONNECTED}, and they fail with it too when the
 * connection drops before their reply (whether the server applied them is then unknown; all of
 * them are safe to repeat). Invalid arguments (empty or too long fields) fail the future with
 * {@code INVALID_FIELD} without a round trip; null arguments throw {@link NullPointerException}.
 */
public final class ParleyClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Executor SHARED_CALLBACKS = Executors.newCachedThreadPool(daemonThreads("parley-callback-"));

    /** Events handed to the listener thread before the socket stops reading (flow control). */
    private static final int EVENT_QUEUE_HIGH = 10_000;
    private static final int EVENT_QUEUE_LOW = 1_000;
    private static final int ACK_BATCH = 100;
    private static final long ACK_DELAY_MS = 50;
    private static final int DEDUP_WINDOW = 4096;

    private enum State { NEW, CONNECTING, AUTHENTICATING, SYNCING, LIVE, WAITING, CLOSED }

    // configuration
    private final URI wsUri;
    private final String token;
    private final ParleyListener listener;
    private final CursorStore cursorStore;
    private final Backoff backoff;
    private final Duration requestTimeout;
    private final Duration heartbeat;
    private final int sendMaxAttempts;
    private final Duration sendMaxTime;
    private final HttpClient http;
    private final Executor callbacks;
    private final FrameCodec codec = new FrameCodec();
    private final String name;

    // threads
    private final ScheduledThreadPoolExecutor loop;
    private final LinkedBlockingQueue<Runnable> eventQueue = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor events;

    // visible from any thread
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile boolean isConnected;
    private volatile String user;
    private volatile String device;
    private volatile long savedCursorView;

    // loop-thread state
    private State state = State.NEW;
    /** Written on the loop thread; volatile because the listener thread reads it to resume reading. */
    private volatile Connection conn;
    private int generation;
    private int reconnectAttempt;
    private long requestCounter;
    private String lastProblem = "not connected yet";
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> heartbeatTask;
    private ScheduledFuture<?> ackTask;
    private ScheduledFuture<?> welcomeTimeout;
    private final Map<String, Pending<?>> pending = new HashMap<>();
    private final LinkedHashMap<String, PendingSend> sends = new LinkedHashMap<>();
    private final Map<String, PendingSend> sendsByRequest = new HashMap<>();
    private final Set<String> presenceSubscriptions = new LinkedHashSet<>();
    private InboxDedup dedup;
    private long ackTarget;
    private long ackedOnConnection;
    /**
     * The highest cursor the server has delivered on this connection (its sync start once synced):
     * the server refuses acknowledgements above it, also while it is still reading the sync.
     */
    private long ackableOnConnection;
    private long syncAfter;
    private boolean listenerConnected;

    // listener-thread state
    private long handledCursor;
    private long savedCursor;
    private int unsaved;

    private ParleyClient(Builder b) {
        this.wsUri = webSocketUri(b.baseUri);
        this.token = b.token;
        this.listener = b.listener;
        this.cursorStore = b.cursorStore != null ? b.cursorStore : CursorStore.inMemory();
        this.backoff = new Backoff(b.backoffMin, b.backoffMax);
        this.requestTimeout = b.requestTimeout;
        this.heartbeat = b.heartbeat;
        this.sendMaxAttempts = b.sendMaxAttempts;
        this.sendMaxTime = b.sendMaxTime;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
        this.callbacks = b.callbacks != null ? b.callbacks : SHARED_CALLBACKS;
        this.name = "parley-client-" + INSTANCES.incrementAndGet();
        this.loop = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-io-"));
        this.loop.setRemoveOnCancelPolicy(true);
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, eventQueue,
                daemonThreads(name + "-listener-"));
    }

    /**
     * Starts building a client for the server at {@code baseUri} (http or https, such as
     * {@code http://127.0.0.1:8080}; the WebSocket is {@code ws(s)://.../ws}) that authenticates
     * with a device's bearer {@code token} from {@link ParleyAccounts#login}.
     *
     * @throws IllegalArgumentException if the scheme is not http or https
     */
    public static Builder builder(URI baseUri, String token) {
        return new Builder(baseUri, token);
    }

    // ---------------------------------------------------------------------------------------
    // Public API

    /**
     * Connects (once; later calls return the same outcome). Loads the cursor from the
     * {@link CursorStore}, opens the WebSocket, and syncs the inbox after that cursor (or, on a
     * fresh install with cursor 0, after the cursor this device last acknowledged).
     *
     * <p>Completes when the first {@code synced} arrives and the listener has been handed the
     * backlog. Until then the client keeps trying with backoff, so the future does not fail
     * because the server is down: bound it with {@code orTimeout} or {@code get(timeout)}. It
     * completes exceptionally with code {@code UNAUTHENTICATED} when the server rejects the token
     * (the client then stops), with {@link ParleyClientException#CLOSED} when the client is closed
     * first, and with {@code IllegalStateException} when the cursor store cannot be read.
     */
    public CompletableFuture<Void> connect() {
        if (started.compareAndSet(false, true)) {
            long start;
            try {
                start = cursorStore.load();
            } catch (RuntimeException e) {
                connected.completeExceptionally(new IllegalStateException("cannot load the cursor: " + e.getMessage(), e));
                return connected.copy();
            }
            handledCursor = start;
            savedCursor = start;
            savedCursorView = start;
            submit(() -> {
                if (state != State.NEW) {
                    return;
                }
                dedup = new InboxDedup(start, DEDUP_WINDOW);
                ackTarget = start;
                attemptConnection();
            }, () -> connected.completeExceptionally(closedException()));
        }
        return connected.copy();
    }

    /** Sends a text message ({@code contentType} left to the server's default) with a random client message id. */
    public CompletableFuture<Sent> send(String conv, String body) {
        return send(conv, body, null, null);
    }

    /** Sends a message of {@code contentType} (null for the default) with a random client message id. */
    public CompletableFuture<Sent> send(String conv, String body, String contentType) {
        return send(conv, body, contentType, null);
    }

    /**
     * Sends a message. Completes once, when the server has made it durable, with its id,
     * sequence number and time ({@code duplicate} is true when the server had already stored it
     * under this client message id, for example from before a reconnect).
     *
     * <p>The send waits for a connection if there is none (also before {@link #connect()}), and
     * is re-sent with the same {@code clientMsgId} after every reconnect until answered, so it is
     * stored at most once. Retryable errors ({@code RATE_LIMITED}, {@code UNAVAILABLE}, ...) and
     * reply timeouts are retried with backoff up to the configured attempts; the future fails
     * with the last error after that, with {@link ParleyClientException#TIMEOUT} when the
     * configured maximum time passes first, at once with a fatal error code such as
     * {@code CONVERSATION_NOT_FOUND} or {@code MESSAGE_TOO_LARGE}, and with
     * {@link ParleyClientException#CLOSED} when the client is closed. After a retryable failure the
     * message may or may not be stored; sending again with the same {@code clientMsgId} is safe.
     * Sending while a send with the same {@code clientMsgId} is pending joins that send.
     *
     * @param clientMsgId 1 to 64 characters unique per message of this device, or null for a random UUID
     */
    public CompletableFuture<Sent> send(String conv, String body, String contentType, String clientMsgId) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(body, "body");
        String cmid = clientMsgId != null ? clientMsgId : UUID.randomUUID().toString();
        CompletableFuture<Sent> f = new CompletableFuture<>();
        try {
            new ClientFrame.Send("0", conv, cmid, body, contentType).validate();
        } catch (ParleyException e) {
            f.completeExceptionally(new ParleyClientException(e.code(), e.getMessage()));
            return f;
        }
        submit(() -> {
            if (state == State.CLOSED) {
                fail(f, closedException());
                return;
            }
            PendingSend existing = sends.get(cmid);
            if (existing != null) {
                existing.future.whenComplete((v, e) -> {
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else {
                        f.complete(v);
                    }
                });
                return;
            }
            PendingSend ps = new PendingSend(conv, body, contentType, cmid, f);
            sends.put(cmid, ps);
            ps.deadline = loop.schedule(() -> expireSend(ps), sendMaxTime.toMillis(), TimeUnit.MILLISECONDS);
            if (isUp()) {
                transmit(ps);
            }
        }, () -> fail(f, closedException()));
        return f;
    }

    /** Opens (creating on first use) the direct conversation with {@code user}; fails with {@code USER_NOT_FOUND}. */
    public CompletableFuture<ConversationView> openDirect(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.OpenDirect(id, user), conversationReply());
    }

    /**
     * Creates a group of the caller (its admin) and {@code members}; fails with
     * {@code USER_NOT_FOUND}, {@code GROUP_FULL}, {@code ADD_NOT_ALLOWED} (a member's group-add
     * setting refuses the caller) or {@code RATE_LIMITED}.
     */
    public CompletableFuture<ConversationView> createGroup(String name, List<String> members) {
        Objects.requireNonNull(name, "name");
        List<String> copy = List.copyOf(members);
        return request(id -> new ClientFrame.CreateGroup(id, name, copy), conversationReply());
    }

    /**
     * Renames a group (admins only: {@code FORBIDDEN} otherwise); the change reaches every member
     * (this device too) as a membership event.
     */
    public CompletableFuture<Void> renameGroup(String conv, String name) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(name, "name");
        return request(id -> new ClientFrame.RenameGroup(id, conv, name), done());
    }

    /**
     * Adds users to a group (admins only); fails with {@code NOT_A_GROUP}, {@code USER_NOT_FOUND},
     * {@code GROUP_FULL}, {@code FORBIDDEN}, {@code ADD_NOT_ALLOWED} or {@code RATE_LIMITED}.
     */
    public CompletableFuture<Void> addMembers(String conv, List<String> users) {
        Objects.requireNonNull(conv, "conv");
        List<String> copy = List.copyOf(users);
        return request(id -> new ClientFrame.AddMembers(id, conv, copy), done());
    }

    /** Removes a member from a group. */
    public CompletableFuture<Void> removeMember(String conv, String user) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.RemoveMember(id, conv, user), done());
    }

    /** Leaves a group. */
    public CompletableFuture<Void> leaveGroup(String conv) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.LeaveGroup(id, conv), done());
    }

    /** Makes a member of a group an admin (admins only: {@code FORBIDDEN} otherwise). */
    public CompletableFuture<ConversationView> promoteAdmin(String conv, String user) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.PromoteAdmin(id, conv, user), conversationReply());
    }

    /**
     * One conversation with its current members and admins. Membership events carry only the
     * change, so this is how a client that keeps member lists refreshes one after an event; fails
     * with {@code CONVERSATION_NOT_FOUND} unless the user is a member.
     */
    public CompletableFuture<ConversationView> getConversation(String conv) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.GetConversation(id, conv), conversationReply());
    }

    /** Adds {@code user} to the caller's contacts; idempotent; fails with {@code USER_NOT_FOUND} or {@code CONTACTS_FULL}. */
    public CompletableFuture<Void> addContact(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.AddContact(id, user), done());
    }

    /** Removes {@code user} from the caller's contacts; idempotent. */
    public CompletableFuture<Void> removeContact(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.RemoveContact(id, user), done());
    }

    /** The caller's contacts, sorted. */
    public CompletableFuture<List<String>> listContacts() {
        return request(ClientFrame.ListContacts::new, expect(ServerFrame.ContactList.class,
                r -> List.copyOf(r.contacts())));
    }

    /** The caller's conversations. */
    public CompletableFuture<List<ConversationView>> listConversations() {
        return request(ClientFrame.ListConversations::new,
                expect(ServerFrame.ConversationList.class, r -> List.copyOf(r.conversations())));
    }

    /** One page of a conversation's history (oldest first); fails with {@code CONVERSATION_NOT_FOUND} for non-members. */
    public CompletableFuture<HistoryPage> history(String conv, HistoryRequest request) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(request, "request");
        return request(id -> new ClientFrame.History(id, conv, request.beforeSeq(), request.afterSeq(),
                request.beforeTs(), request.afterTs(), request.limit()), expect(HistoryPage.class, r -> r));
    }

    /**
     * Marks every message of {@code conv} up to {@code upToSeq} read: the senders get a read
     * receipt and the user's other devices a receipt event.
     */
    public CompletableFuture<Void> markRead(String conv, long upToSeq) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.Read(id, conv, upToSeq), done());
    }

    /** Tells the other members that the user started ({@code true}) or stopped typing; ephemeral. */
    public CompletableFuture<Void> typing(String conv, boolean active) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.Typing(id, conv, active ? "start" : "stop"), done());
    }

    /**
     * Subscribes to presence changes of {@code users} and returns their current presence. Changes
     * arrive at {@link ParleyListener#onPresence}. Subscriptions belong to the connection, so the
     * client renews them after each reconnect.
     */
    public CompletableFuture<List<PresenceView>> subscribePresence(List<String> users) {
        List<String> copy = List.copyOf(users);
        CompletableFuture<List<PresenceView>> f = request(id -> new ClientFrame.SubscribePresence(id, copy),
                expect(ServerFrame.PresenceList.class, r -> List.copyOf(r.presences())));
        f.thenRun(() -> submit(() -> presenceSubscriptions.addAll(copy), () -> { }));
        return f;
    }

    /** Sets who may see the user's last-seen time: {@code everyone}, {@code contacts} or {@code nobody}. */
    public CompletableFuture<Void> setLastSeenPrivacy(String lastSeen) {
        Objects.requireNonNull(lastSeen, "lastSeen");
        return request(id -> new ClientFrame.SetPrivacy(id, lastSeen, null), done());
    }

    /**
     * Sets who may add the user to groups: {@code everyone}, {@code contacts} (the default: users
     * in the caller's contacts) or {@code nobody}.
     */
    public CompletableFuture<Void> setGroupAddPrivacy(String groupAdd) {
        Objects.requireNonNull(groupAdd, "groupAdd");
        return request(id -> new ClientFrame.SetPrivacy(id, null, groupAdd), done());
    }

    /**
     * Sets where the server wakes this device when it is offline ({@code set_push}): provider
     * {@code apns}, {@code fcm}, {@code webpush} or {@code webhook} with its target (see
     * {@link ParleyAccounts#setPushTarget}), or {@code none} (target null) to clear it.
     */
    public CompletableFuture<Void> setPushTarget(String provider, String target) {
        Objects.requireNonNull(provider, "provider");
        return request(id -> new ClientFrame.SetPush(id, provider, target), done());
    }

    /** Per-member receipt status of one message, and the aggregate; fails with {@code MESSAGE_NOT_FOUND}. */
    public CompletableFuture<MessageInfoReply> messageInfo(String conv, long seq) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.MessageInfo(id, conv, seq), expect(MessageInfoReply.class, r -> r));
    }

    /** An application-level ping; completes with the server's pong (the client also pings by itself). */
    public CompletableFuture<ServerFrame.Pong> ping() {
        return request(ClientFrame.Ping::new, expect(ServerFrame.Pong.class, r -> r));
    }

    /** The cursor of the last inbox event handed to the listener and saved (the loaded one before that). */
    public long cursor() {
        return savedCursorView;
    }

    /** Whether an authenticated connection is up right now (it may still be syncing). */
    public boolean isConnected() {
        return isConnected;
    }

    /** The user named by the server's {@code welcome}, or null before the first connection. */
    public String user() {
        return user;
    }

    /** This device's id from the server's {@code welcome}, or null before the first connection. */
    public String device() {
        return device;
    }

    /**
     * Closes the connection and stops reconnecting; idempotent. Pending requests and sends fail
     * with {@link ParleyClientException#CLOSED}, the listener gets {@code onDisconnected("closed")}
     * if it was connected, and the cursor of every handled event is saved. Waits up to two
     * seconds for listener calls already queued (not when called from the listener itself).
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        boolean onListener = Thread.currentThread().getName().startsWith(name + "-listener-");
        boolean onLoop = Thread.currentThread().getName().startsWith(name + "-io-");
        if (!onListener && !onLoop) {
            // let the listener finish what is queued, so its cursor is saved and acknowledged below
            CompletableFuture<Void> drained = new CompletableFuture<>();
            try {
                events.execute(() -> {
                    afterEvent();
                    drained.complete(null);
                });
                drained.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("{}: listener did not drain before close: {}", name, e.toString());
            }
        }
        CompletableFuture<CompletableFuture<Void>> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                Connection c = conn;
                try {
                    shutDown("closed", closedException());
                } finally {
                    done.complete(c != null ? c.finished : CompletableFuture.completedFuture(null));
                }
            });
            if (!onLoop) {
                // the loop thread drains the last frames (a final ack) and the close handshake
                done.get(2, TimeUnit.SECONDS).get(1500, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException e) {
            log.debug("{}: already stopped", name);
        } catch (Exception e) {
            log.warn("{}: close did not finish cleanly: {}", name, e.toString());
        }
        loop.shutdown();
        events.shutdown();
        if (!onListener) {
            try {
                if (!events.awaitTermination(2, TimeUnit.SECONDS)) {
                    log.warn("{}: listener still busy after close", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return name + "[" + wsUri + ", user=" + user + ", device=" + device + "]";
    }

    // ---------------------------------------------------------------------------------------
    // Connection lifecycle (loop thread)

    private void attemptConnection() {
        reconnectTask = null;
        if (state == State.CLOSED) {
            return;
        }
        state = State.CONNECTING;
        Connection c = new Connection(++generation);
        conn = c;
        log.debug("{}: connecting to {} (attempt {})", name, wsUri, reconnectAttempt + 1);
        CompletableFuture<WebSocket> opening;
        try {
            opening = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .connectTimeout(requestTimeout)
                    .buildAsync(wsUri, c);
        } catch (RuntimeException e) {
            connectionLost(c, "cannot open WebSocket: " + e.getMessage(), e);
            return;
        }
        opening.whenComplete((ws, err) -> execute(() -> {
            if (err != null) {
                connectionLost(c, "cannot connect: " + describe(err), err);
            } else if (c != conn) {
                ws.abort();
            }
        }));
    }

    private void opened(Connection c) {
        if (c != conn) {
            c.abort();
            return;
        }
        state = State.AUTHENTICATING;
        c.pump();
        welcomeTimeout = loop.schedule(() -> {
            if (c == conn && state == State.AUTHENTICATING) {
                c.abort();
                connectionLost(c, "no welcome within " + requestTimeout.toMillis() + " ms", null);
            }
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void welcomed(Connection c, ServerFrame.Welcome w) {
        cancel(welcomeTimeout);
        welcomeTimeout = null;
        user = w.user();
        device = w.device();
        state = State.SYNCING;
        isConnected = true;
        listenerConnected = true;
        ackedOnConnection = 0;
        ackableOnConnection = 0;
        log.debug("{}: connected as {} / {} to server {}", name, w.user(), w.device(), w.server());
        post(listener::onConnected);

        long after = dedup.highest();
        syncAfter = after;
        String syncId = nextId();
        Pending<ServerFrame.Synced> sync = new Pending<>(syncId, new CompletableFuture<>(),
                expect(ServerFrame.Synced.class, r -> r), true);
        // no reply timeout: a long backlog streams before synced; the heartbeat watches the connection
        registerPending(sync, false);
        c.send(codec.encode(new ClientFrame.Sync(syncId, after > 0 ? after : null)));
        sync.future.whenComplete((s, err) -> execute(() -> {
            if (c != conn) {
                return;
            }
            if (err != null) {
                ParleyClientException e = ParleyClientException.unwrap(err);
                log.warn("{}: sync failed: {}", name, e != null ? e.getMessage() : err.toString());
                c.abort();
                connectionLost(c, "sync failed", err);
            } else {
                synced(s);
            }
        }));

        for (PendingSend ps : new ArrayList<>(sends.values())) {
            if (ps.requestId == null && ps.retryTask == null) {
                transmit(ps);
            }
        }
        if (!presenceSubscriptions.isEmpty()) {
            List<String> users = List.copyOf(presenceSubscriptions);
            String id = nextId();
            Pending<List<PresenceView>> p = new Pending<>(id, new CompletableFuture<>(),
                    expect(ServerFrame.PresenceList.class, ServerFrame.PresenceList::presences), true);
            registerPending(p);
            c.send(codec.encode(new ClientFrame.SubscribePresence(id, users)));
            p.future.whenComplete((list, err) -> {
                if (err != null) {
                    log.warn("{}: renewing presence subscriptions failed: {}", name, err.toString());
                } else {
                    for (PresenceView v : list) {
                        post(() -> listener.onPresence(new ServerFrame.PresenceEvent(v.user(), v.online(), v.lastSeen())));
                    }
                }
            });
        }
        long interval = heartbeat.toMillis();
        if (w.heartbeatSeconds() > 0) {
            interval = Math.min(interval, Math.max(1000, w.heartbeatSeconds() * 1000L / 2));
        }
        heartbeatTask = loop.scheduleWithFixedDelay(() -> heartbeat(c), interval, interval, TimeUnit.MILLISECONDS);
    }

    private void synced(ServerFrame.Synced s) {
        state = State.LIVE;
        reconnectAttempt = 0;
        ackableOnConnection = Math.max(ackableOnConnection, Math.max(syncAfter, s.from()));
        if (ackTarget > ackedOnConnection) {
            flushAck();
        }
        long head = s.head();
        log.debug("{}: synced from {} to head {}", name, s.from(), head);
        post(() -> {
            listener.onSynced(head);
            if (!connected.isDone()) {
                callbacks.execute(() -> connected.complete(null));
            }
        });
    }

    private void heartbeat(Connection c) {
        if (c != conn || !isUp()) {
            return;
        }
        // Alive means: some frame (the pong, or anything queued before it, such as a long backlog)
        // arrived after the ping went out. While the client stops reading because the listener is
        // behind, silence is its own doing and does not count.
        String id = nextId();
        long timeout = Math.min(requestTimeout.toMillis(), heartbeat.toMillis());
        long sentAt = System.nanoTime();
        Pending<ServerFrame.Pong> p = new Pending<>(id, new CompletableFuture<>(), expect(ServerFrame.Pong.class, r -> r), true);
        pending.put(id, p);
        p.timeout = loop.schedule(() -> {
            pending.remove(id);
            if (c == conn && c.lastFrameNanos - sentAt < 0 && !c.paused.get()) {
                log.info("{}: nothing received within {} ms of a ping, reconnecting", name, timeout);
                c.abort();
                connectionLost(c, "heartbeat timeout", null);
            }
        }, timeout, TimeUnit.MILLISECONDS);
        c.send(codec.encode(new ClientFrame.Ping(id)));
    }

    /** The current connection is gone (or never came up): clean up and schedule the next attempt. */
    private void connectionLost(Connection c, String reason, Throwable cause) {
        if (c != conn || state == State.CLOSED) {
            return;
        }
        if (isFatalAuthFailure(cause)) {
            shutDown("unauthenticated: the server rejected the token",
                    new ParleyClientException(ErrorCode.UNAUTHENTICATED, "the server rejected the token"));
            return;
        }
        detach(reason);
        scheduleReconnect(backoff.delayMillis(reconnectAttempt++, ThreadLocalRandom.current()::nextDouble));
    }

    private void detach(String reason) {
        detach(reason, ParleyClientException.local(ParleyClientException.NOT_CONNECTED,
                "connection lost before the reply: " + reason, true));
    }

    private void detach(String reason, ParleyClientException requestFailure) {
        Connection c = conn;
        conn = null;
        if (c != null) {
            c.dead = true;
        }
        lastProblem = reason;
        isConnected = false;
        state = State.WAITING;
        cancel(heartbeatTask);
        cancel(ackTask);
        cancel(welcomeTimeout);
        heartbeatTask = null;
        ackTask = null;
        welcomeTimeout = null;
        for (Pending<?> p : List.copyOf(pending.values())) {
            pending.remove(p.id);
            cancel(p.timeout);
            p.fail(requestFailure);
        }
        for (PendingSend ps : sends.values()) {
            if (ps.requestId != null) {
                sendsByRequest.remove(ps.requestId);
                cancel(ps.timeout);
                ps.requestId = null;
            }
        }
        if (listenerConnected) {
            listenerConnected = false;
            log.info("{}: disconnected: {}", name, reason);
            post(() -> listener.onDisconnected(reason));
        } else {
            log.debug("{}: connection attempt failed: {}", name, reason);
        }
    }

    private void scheduleReconnect(long delayMillis) {
        if (state == State.CLOSED) {
            return;
        }
        cancel(reconnectTask);
        log.debug("{}: reconnecting in {} ms", name, delayMillis);
        reconnectTask = loop.schedule(this::attemptConnection, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void shutDown(String reason, ParleyClientException failure) {
        if (state == State.CLOSED) {
            return;
        }
        Connection c = conn;
        if (isUp() && ackTarget > ackedOnConnection) {
            flushAck();
        }
        detach(reason, failure);
        if (c != null) {
            c.close();
        }
        state = State.CLOSED;
        isConnected = false;
        cancel(reconnectTask);
        for (PendingSend ps : List.copyOf(sends.values())) {
            finishSend(ps);
            fail(ps.future, failure);
        }
        if (!connected.isDone()) {
            callbacks.execute(() -> connected.completeExceptionally(failure));
        }
        if (failure.errorCode() == ErrorCode.UNAUTHENTICATED) {
            log.warn("{}: {}; not reconnecting", name, reason);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Incoming frames (loop thread)

    private void received(Connection c, String text) {
        if (c != conn) {
            return;
        }
        c.lastFrameNanos = System.nanoTime();
        ServerFrame f;
        try {
            f = codec.decodeServer(text);
        } catch (IllegalArgumentException e) {
            log.warn("{}: ignoring a frame that this SDK cannot read: {}", name, e.getMessage());
            return;
        }
        if (f instanceof ServerFrame.MessageEvent m) {
            ServerFrame.MessageView msg = m.message();
            inbox(m.cursor(), dedup.offerMessage(m.cursor(), msg.conv(), msg.seq()), () -> listener.onMessage(msg, m.cursor()));
        } else if (f instanceof ServerFrame.ReceiptEvent r) {
            inbox(r.cursor(), dedup.offer(r.cursor()), () -> listener.onReceipt(r));
        } else if (f instanceof ServerFrame.MembershipEvent m) {
            inbox(m.cursor(), dedup.offer(m.cursor()), () -> listener.onMembership(m));
        } else if (f instanceof ServerFrame.PresenceEvent p) {
            post(() -> listener.onPresence(p));
        } else if (f instanceof ServerFrame.TypingEvent t) {
            post(() -> listener.onTyping(t));
        } else if (f instanceof ServerFrame.Welcome w) {
            welcomed(c, w);
        } else if (f instanceof ServerFrame.Reconnect r) {
            long delay = Math.max(0, r.retryAfterMs()) + (long) (ThreadLocalRandom.current().nextDouble() * backoff.minMillis());
            log.info("{}: server asked to reconnect ({}) in {} ms", name, r.reason(), delay);
            detach("server asked to reconnect: " + r.reason());
            c.close();
            scheduleReconnect(delay);
        } else if (f instanceof ServerFrame.Sent s) {
            sentReply(s);
        } else if (f instanceof ServerFrame.Error e && e.id() == null) {
            log.warn("{}: server error {}: {}", name, e.code(), e.message());
            if (ErrorCode.UNAUTHENTICATED.name().equals(e.code())) {
                shutDown("unauthenticated: " + e.message(), new ParleyClientException(ErrorCode.UNAUTHENTICATED, e.message()));
            }
        } else {
            String id = replyId(f);
            if (id != null && sendsByRequest.containsKey(id) && f instanceof ServerFrame.Error e) {
                sendError(sendsByRequest.get(id), e);
                return;
            }
            Pending<?> p = id == null ? null : pending.remove(id);
            if (p == null) {
                log.debug("{}: reply to an unknown or expired request {}", name, id);
                return;
            }
            cancel(p.timeout);
            p.complete(f);
        }
    }

    private void inbox(long cursor, InboxDedup.Verdict verdict, Runnable call) {
        ackableOnConnection = Math.max(ackableOnConnection, cursor);
        switch (verdict) {
            case DROP -> log.trace("{}: dropping duplicate inbox entry {}", name, cursor);
            case SKIP_ADVANCE -> postInbox(cursor, null);
            case DELIVER -> postInbox(cursor, call);
            default -> throw new IllegalStateException(verdict.toString());
        }
    }

    // ---------------------------------------------------------------------------------------
    // Sends (loop thread)

    private void transmit(PendingSend ps) {
        Connection c = conn;
        String id = nextId();
        ps.requestId = id;
        sendsByRequest.put(id, ps);
        ps.timeout = loop.schedule(() -> {
            if (id.equals(ps.requestId)) {
                sendsByRequest.remove(id);
                ps.requestId = null;
                retryOrFail(ps, ParleyClientException.local(ParleyClientException.TIMEOUT,
                        "no reply to send within " + requestTimeout.toMillis() + " ms", true));
            }
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        c.send(codec.encode(new ClientFrame.Send(id, ps.conv, ps.clientMsgId, ps.body, ps.contentType)));
    }

    private void sentReply(ServerFrame.Sent s) {
        PendingSend ps = sendsByRequest.get(s.id());
        if (ps == null && s.clientMsgId() != null) {
            ps = sends.get(s.clientMsgId());
        }
        if (ps == null) {
            log.debug("{}: sent reply for a send no longer pending", name);
            return;
        }
        finishSend(ps);
        complete(ps.future, s);
    }

    private void sendError(PendingSend ps, ServerFrame.Error e) {
        sendsByRequest.remove(ps.requestId);
        cancel(ps.timeout);
        ps.requestId = null;
        ParleyClientException ex = new ParleyClientException(e.code(), e.message(), 0, e.retryable(),
                e.retryAfterMs() == null ? 0 : e.retryAfterMs(), null);
        if (e.retryable()) {
            retryOrFail(ps, ex);
        } else {
            finishSend(ps);
            fail(ps.future, ex);
        }
    }

    private void retryOrFail(PendingSend ps, ParleyClientException cause) {
        ps.attempts++;
        if (ps.attempts >= sendMaxAttempts) {
            finishSend(ps);
            fail(ps.future, cause);
            return;
        }
        // A rate limit says when a send can pass; resending earlier would only be refused again.
        long delay = Math.max(cause.retryAfterMs(),
                backoff.delayMillis(ps.attempts - 1, ThreadLocalRandom.current()::nextDouble));
        log.debug("{}: send will be retried in {} ms after {}", name, delay, cause.code());
        ps.retryTask = loop.schedule(() -> {
            ps.retryTask = null;
            if (sends.get(ps.clientMsgId) == ps && ps.requestId == null && isUp()) {
                transmit(ps);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void expireSend(PendingSend ps) {
        if (sends.get(ps.clientMsgId) != ps) {
            return;
        }
        finishSend(ps);
        fail(ps.future, ParleyClientException.local(ParleyClientException.TIMEOUT,
                "message not acknowledged within " + sendMaxTime.toMillis() + " ms (" + lastProblem
                        + "); it may or may not be stored, resend with the same clientMsgId", true));
    }

    private void finishSend(PendingSend ps) {
        sends.remove(ps.clientMsgId, ps);
        if (ps.requestId != null) {
            sendsByRequest.remove(ps.requestId);
            ps.requestId = null;
        }
        cancel(ps.timeout);
        cancel(ps.retryTask);
        cancel(ps.deadline);
    }

    // ---------------------------------------------------------------------------------------
    // Requests (any thread -> loop thread)

    private <T> CompletableFuture<T> request(Function<String, ClientFrame> make, Function<ServerFrame, T> map) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            make.apply("0").validate();
        } catch (ParleyException e) {
            f.completeExceptionally(new ParleyClientException(e.code(), e.getMessage()));
            return f;
        }
        submit(() -> {
            if (state == State.CLOSED) {
                fail(f, closedException());
                return;
            }
            if (!isUp()) {
                fail(f, ParleyClientException.local(ParleyClientException.NOT_CONNECTED,
                        "not connected (" + lastProblem + ")", true));
                return;
            }
            String id = nextId();
            Pending<T> p = new Pending<>(id, f, map, false);
            registerPending(p);
            conn.send(codec.encode(make.apply(id)));
        }, () -> fail(f, closedException()));
        return f;
    }

    private void registerPending(Pending<?> p) {
        registerPending(p, true);
    }

    /** Tracks a request; without a timeout it ends with its reply or the connection. */
    private void registerPending(Pending<?> p, boolean withTimeout) {
        pending.put(p.id, p);
        if (!withTimeout) {
            return;
        }
        p.timeout = loop.schedule(() -> {
            if (pending.remove(p.id) != null) {
                p.fail(ParleyClientException.local(ParleyClientException.TIMEOUT,
                        "no reply within " + requestTimeout.toMillis() + " ms", true));
            }
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean isUp() {
        return conn != null && (state == State.SYNCING || state == State.LIVE);
    }

    private String nextId() {
        return Long.toString(++requestCounter, 36);
    }

    // ---------------------------------------------------------------------------------------
    // Acknowledgements (loop thread)

    private void processed(long cursor) {
        if (cursor <= ackTarget) {
            return;
        }
        ackTarget = cursor;
        if (!isUp()) {
            return;
        }
        if (ackTarget - ackedOnConnection >= ACK_BATCH) {
            flushAck();
        } else if (ackTask == null) {
            ackTask = loop.schedule(this::flushAck, ACK_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void flushAck() {
        cancel(ackTask);
        ackTask = null;
        long upTo = Math.min(ackTarget, ackableOnConnection);
        if (!isUp() || upTo <= ackedOnConnection) {
            return;
        }
        ackedOnConnection = upTo;
        String id = nextId();
        Pending<Void> p = new Pending<>(id, new CompletableFuture<>(), done(), true);
        registerPending(p);
        p.future.whenComplete((v, err) -> {
            if (err != null) {
                log.debug("{}: ack {} not confirmed: {}", name, upTo, err.toString());
            }
        });
        conn.send(codec.encode(new ClientFrame.Ack(id, upTo)));
    }

    // ---------------------------------------------------------------------------------------
    // Listener thread

    private void post(Runnable task) {
        try {
            events.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{}: listener threw; the event counts as handled", name, e);
                } finally {
                    afterEvent();
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{}: listener stopped, event dropped", name);
        }
    }

    private void postInbox(long cursor, Runnable call) {
        post(() -> {
            try {
                if (call != null) {
                    call.run();
                }
            } finally {
                handledCursor = cursor;
                unsaved++;
            }
        });
    }

    private void afterEvent() {
        if (handledCursor > savedCursor && (eventQueue.isEmpty() || unsaved >= ACK_BATCH)) {
            long c = handledCursor;
            try {
                cursorStore.save(c);
            } catch (RuntimeException e) {
                log.error("{}: cannot save cursor {}: {}", name, c, e.toString());
            }
            savedCursor = c;
            savedCursorView = c;
            unsaved = 0;
            execute(() -> processed(c));
        }
        Connection c = conn;
        if (c != null) {
            c.resumeIfDrained();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Helpers

    private void submit(Runnable task, Runnable ifClosed) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{}: internal error", name, e);
                }
            });
        } catch (RejectedExecutionException e) {
            ifClosed.run();
        }
    }

    private void execute(Runnable task) {
        submit(task, () -> { });
    }

    private <T> void complete(CompletableFuture<T> f, T value) {
        callbacks.execute(() -> f.complete(value));
    }

    private void fail(CompletableFuture<?> f, Throwable t) {
        try {
            callbacks.execute(() -> f.completeExceptionally(t));
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(t);
        }
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    private ParleyClientException closedException() {
        return ParleyClientException.local(ParleyClientException.CLOSED, "the client is closed", false);
    }

    private static <R extends ServerFrame, T> Function<ServerFrame, T> expect(Class<R> type, Function<R, T> map) {
        return f -> {
            if (!type.isInstance(f)) {
                throw new ParleyClientException(ParleyClientException.PROTOCOL,
                        "expected " + type.getSimpleName() + " but got " + f.getClass().getSimpleName(), 0, false, null);
            }
            return map.apply(type.cast(f));
        };
    }

    private static Function<ServerFrame, ConversationView> conversationReply() {
        return expect(ServerFrame.ConversationReply.class, ServerFrame.ConversationReply::conversation);
    }

    /** For requests answered by {@code ok} (a server may also answer with the changed conversation). */
    private static Function<ServerFrame, Void> done() {
        return f -> {
            if (f instanceof ServerFrame.Ok || f instanceof ServerFrame.ConversationReply) {
                return null;
            }
            throw new ParleyClientException(ParleyClientException.PROTOCOL,
                    "expected ok but got " + f.getClass().getSimpleName(), 0, false, null);
        };
    }

    private static String replyId(ServerFrame f) {
        if (f instanceof ServerFrame.Ok r) return r.id();
        if (f instanceof ServerFrame.Error r) return r.id();
        if (f instanceof ServerFrame.Synced r) return r.id();
        if (f instanceof ServerFrame.HistoryPage r) return r.id();
        if (f instanceof ServerFrame.ConversationReply r) return r.id();
        if (f instanceof ServerFrame.ConversationList r) return r.id();
        if (f instanceof ServerFrame.PresenceList r) return r.id();
        if (f instanceof ServerFrame.ContactList r) return r.id();
        if (f instanceof ServerFrame.Pong r) return r.id();
        if (f instanceof ServerFrame.MessageInfoReply r) return r.id();
        return null;
    }

    private static boolean isFatalAuthFailure(Throwable t) {
        for (Throwable cur = t; cur != null; cur = cur.getCause()) {
            if (cur instanceof WebSocketHandshakeException h && h.getResponse() != null) {
                int status = h.getResponse().statusCode();
                return status == 401 || status == 403;
            }
        }
        return false;
    }

    private static String describe(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException || cur instanceof java.util.concurrent.ExecutionException)
                && cur.getCause() != null) {
            cur = cur.getCause();
        }
        if (cur instanceof WebSocketHandshakeException h && h.getResponse() != null) {
            return "handshake rejected with HTTP " + h.getResponse().statusCode();
        }
        return ParleyAccounts.describe(cur);
    }

    static URI webSocketUri(URI baseUri) {
        URI base = ParleyAccounts.normalizeBase(baseUri);
        String s = base.toString();
        String ws = s.regionMatches(true, 0, "https", 0, 5) ? "wss" + s.substring(5) : "ws" + s.substring(4);
        return URI.create(ws + "/ws?v=" + FrameCodec.PROTOCOL_VERSION);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ---------------------------------------------------------------------------------------
    // State holders

    /** A request awaiting its reply; internal ones complete on the loop thread, the caller's on the callback executor. */
    private final class Pending<T> {
        final String id;
        final CompletableFuture<T> future;
        final Function<ServerFrame, T> map;
        final boolean internal;
        ScheduledFuture<?> timeout;

        Pending(String id, CompletableFuture<T> future, Function<ServerFrame, T> map, boolean internal) {
            this.id = id;
            this.future = future;
            this.map = map;
            this.internal = internal;
        }

        void complete(ServerFrame f) {
            if (f instanceof ServerFrame.Error e) {
                fail(new ParleyClientException(e.code(), e.message(), 0, e.retryable(), null));
                return;
            }
            T value;
            try {
                value = map.apply(f);
            } catch (RuntimeException ex) {
                fail(ex);
                return;
            }
            if (internal) {
                future.complete(value);
            } else {
                ParleyClient.this.complete(future, value);
            }
        }

        void fail(Throwable t) {
            if (internal) {
                future.completeExceptionally(t);
            } else {
                ParleyClient.this.fail(future, t);
            }
        }
    }

    private static final class PendingSend {
        final String conv;
        final String body;
        final String contentType;
        final String clientMsgId;
        final CompletableFuture<Sent> future;
        int attempts;
        String requestId;
        ScheduledFuture<?> timeout;
        ScheduledFuture<?> retryTask;
        ScheduledFuture<?> deadline;

        PendingSend(String conv, String body, String contentType, String clientMsgId, CompletableFuture<Sent> future) {
            this.conv = conv;
            this.body = body;
            this.contentType = contentType;
            this.clientMsgId = clientMsgId;
            this.future = future;
        }
    }

    /**
     * One WebSocket connection attempt. JDK callbacks arrive on the HTTP client's threads (one at a
     * time per socket) and are forwarded to the loop thread; the outbox is touched only there.
     */
    private final class Connection implements WebSocket.Listener {
        final int generation;
        final ArrayDeque<String> outbox = new ArrayDeque<>();
        final StringBuilder partial = new StringBuilder();
        final AtomicBoolean paused = new AtomicBoolean();
        /** Completes when the socket is closed or aborted by this side. */
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        volatile WebSocket ws;
        /** When the last frame arrived (loop thread). */
        long lastFrameNanos = System.nanoTime();
        boolean sending;
        /** No new frames are accepted; what is in the outbox still goes out. */
        boolean dead;
        boolean closeRequested;
        boolean aborted;

        Connection(int generation) {
            this.generation = generation;
        }

        // JDK callback threads

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            webSocket.request(1);
            execute(() -> opened(this));
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                execute(() -> received(this, text));
            }
            if (eventQueue.size() < EVENT_QUEUE_HIGH) {
                webSocket.request(1);
            } else {
                paused.set(true);
                resumeIfDrained();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            finished.complete(null);
            String why = "closed by server (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")";
            execute(() -> connectionLost(this, why, null));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            finished.complete(null);
            execute(() -> connectionLost(this, "connection error: " + describe(error), error));
        }

        /** Any thread: reads again once the listener has caught up. */
        void resumeIfDrained() {
            WebSocket w = ws;
            if (w != null && eventQueue.size() < EVENT_QUEUE_LOW && paused.compareAndSet(true, false)) {
                w.request(1);
            }
        }

        // loop thread

        void send(String text) {
            if (dead) {
                return;
            }
            outbox.add(text);
            pump();
        }

        void pump() {
            WebSocket w = ws;
            if (sending || aborted || w == null) {
                return;
            }
            if (outbox.isEmpty()) {
                if (closeRequested) {
                    closeRequested = false;
                    w.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                            .orTimeout(1, TimeUnit.SECONDS)
                            .whenComplete((ok, err) -> {
                                w.abort();
                                finished.complete(null);
                            });
                }
                return;
            }
            sending = true;
            String text = outbox.poll();
            w.sendText(text, true).whenComplete((ok, err) -> execute(() -> {
                sending = false;
                if (err != null && this != conn) {
                    abort();
                } else if (err != null) {
                    connectionLost(this, "send failed: " + describe(err), err);
                } else {
                    pump();
                }
            }));
        }

        /** Sends what is queued, then a close frame; aborts if the peer does not answer within a second. */
        void close() {
            dead = true;
            closeRequested = true;
            if (ws == null) {
                aborted = true;
                finished.complete(null);
            }
            pump();
        }

        void abort() {
            dead = true;
            aborted = true;
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            }
            finished.complete(null);
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * Configures a {@link ParleyClient}. Not thread-safe; {@link #build()} may be called more than
     * once, each call making an independent client.
     */
    public static final class Builder {
        private final URI baseUri;
        private final String token;
        private ParleyListener listener = new ParleyListener() { };
        private CursorStore cursorStore;
        private Duration backoffMin = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(20);
        private int sendMaxAttempts = 10;
        private Duration sendMaxTime = Duration.ofMinutes(5);
        private HttpClient http;
        private Executor callbacks;

        private Builder(URI baseUri, String token) {
            this.baseUri = ParleyAccounts.normalizeBase(baseUri);
            this.token = Objects.requireNonNull(token, "token");
        }

        /** Who receives events; default: none. */
        public Builder listener(ParleyListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Where the inbox cursor is kept; default: a new {@link CursorStore#inMemory()} per client. */
        public Builder cursorStore(CursorStore cursorStore) {
            this.cursorStore = Objects.requireNonNull(cursorStore, "cursorStore");
            return this;
        }

        /** Reconnect (and send retry) delays: exponential from {@code min} up to {@code max}, with jitter; default 200 ms to 10 s. */
        public Builder reconnectBackoff(Duration min, Duration max) {
            new Backoff(min, max);
            this.backoffMin = min;
            this.backoffMax = max;
            return this;
        }

        /** How long a request waits for its reply (and a connection attempt for its handshake); default 10 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * How often the client pings the server; default 20 s (less when the server's welcome asks
         * for it). A ping unanswered within the request timeout (or the interval, if shorter)
         * drops the connection and reconnects.
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positive(interval, "heartbeat");
            return this;
        }

        /**
         * Bounds the retries of one send: at most {@code maxAttempts} answers with a retryable
         * error or reply timeouts, and at most {@code maxTime} from the call (waiting for a
         * connection included); defaults 10 and 5 minutes.
         */
        public Builder sendRetry(int maxAttempts, Duration maxTime) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
            }
            this.sendMaxAttempts = maxAttempts;
            this.sendMaxTime = positive(maxTime, "maxTime");
            return this;
        }

        /** The HTTP client that opens WebSockets; default: a new one. */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /**
         * Where returned futures are completed (and so where non-async dependent stages run);
         * default: a shared pool of daemon threads.
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbacks = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Builds the client; it opens no connection until {@link ParleyClient#connect()}. */
        public ParleyClient build() {
            return new ParleyClient(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }

}
