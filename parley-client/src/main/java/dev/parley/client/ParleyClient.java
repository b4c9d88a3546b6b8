package dev.parley.client;

import dev.parley.protocol.ClientFrame;
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
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Over 400 lines because this is the SDK's public surface: one documented method per protocol
// request, and the public nested Builder (nested so that ParleyClient.Builder stays source
// compatible). All the logic behind it lives in the package-private collaborators (Session,
// Outbox, PendingRequests, AckTracker, ListenerDispatch, Reconnection, Heartbeat, Connection).

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

    private final URI wsUri;
    private final CursorStore cursorStore;
    private final String name;
    /** The loop thread: connection state, requests, sends and acknowledgements live there. */
    private final ScheduledThreadPoolExecutor loop;
    private final Callbacks callbacks;
    private final ListenerDispatch dispatch;
    private final Session session;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();

    private ParleyClient(Builder b) {
        this.wsUri = webSocketUri(b.baseUri);
        this.cursorStore = b.cursorStore != null ? b.cursorStore : CursorStore.inMemory();
        this.name = "parley-client-" + INSTANCES.incrementAndGet();
        this.loop = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-io-"));
        this.loop.setRemoveOnCancelPolicy(true);
        this.callbacks = new Callbacks(b.callbacks != null ? b.callbacks : SHARED_CALLBACKS);
        this.dispatch = new ListenerDispatch(name, b.listener, cursorStore, this::cursorSaved, this::listenerCaughtUp,
                daemonThreads(name + "-listener-"));
        HttpClient http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
        this.session = new Session(name, wsUri, b.token, http, b.requestTimeout, b.heartbeat,
                new Backoff(b.backoffMin, b.backoffMax), b.sendMaxAttempts, b.sendMaxTime, this::execute,
                Scheduler.on(loop), System::nanoTime, () -> ThreadLocalRandom.current().nextDouble(), callbacks,
                dispatch, connected);
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
            dispatch.start(start);
            submit(() -> session.start(start), () -> connected.completeExceptionally(Session.closedException()));
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
        submit(() -> session.queueSend(conv, body, contentType, cmid, f), () -> callbacks.fail(f, Session.closedException()));
        return f;
    }

    /** Opens (creating on first use) the direct conversation with {@code user}; fails with {@code USER_NOT_FOUND}. */
    public CompletableFuture<ConversationView> openDirect(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.OpenDirect(id, user), Replies.conversation());
    }

    /**
     * Creates a group of the caller (its admin) and {@code members}; fails with
     * {@code USER_NOT_FOUND}, {@code GROUP_FULL}, {@code ADD_NOT_ALLOWED} (a member's group-add
     * setting refuses the caller) or {@code RATE_LIMITED}.
     */
    public CompletableFuture<ConversationView> createGroup(String name, List<String> members) {
        Objects.requireNonNull(name, "name");
        List<String> copy = List.copyOf(members);
        return request(id -> new ClientFrame.CreateGroup(id, name, copy), Replies.conversation());
    }

    /**
     * Renames a group (admins only: {@code FORBIDDEN} otherwise); the change reaches every member
     * (this device too) as a membership event.
     */
    public CompletableFuture<Void> renameGroup(String conv, String name) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(name, "name");
        return request(id -> new ClientFrame.RenameGroup(id, conv, name), Replies.done());
    }

    /**
     * Adds users to a group (admins only); fails with {@code NOT_A_GROUP}, {@code USER_NOT_FOUND},
     * {@code GROUP_FULL}, {@code FORBIDDEN}, {@code ADD_NOT_ALLOWED} or {@code RATE_LIMITED}.
     */
    public CompletableFuture<Void> addMembers(String conv, List<String> users) {
        Objects.requireNonNull(conv, "conv");
        List<String> copy = List.copyOf(users);
        return request(id -> new ClientFrame.AddMembers(id, conv, copy), Replies.done());
    }

    /** Removes a member from a group. */
    public CompletableFuture<Void> removeMember(String conv, String user) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.RemoveMember(id, conv, user), Replies.done());
    }

    /** Leaves a group. */
    public CompletableFuture<Void> leaveGroup(String conv) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.LeaveGroup(id, conv), Replies.done());
    }

    /** Makes a member of a group an admin (admins only: {@code FORBIDDEN} otherwise). */
    public CompletableFuture<ConversationView> promoteAdmin(String conv, String user) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.PromoteAdmin(id, conv, user), Replies.conversation());
    }

    /**
     * One conversation with its current members and admins. Membership events carry only the
     * change, so this is how a client that keeps member lists refreshes one after an event; fails
     * with {@code CONVERSATION_NOT_FOUND} unless the user is a member.
     */
    public CompletableFuture<ConversationView> getConversation(String conv) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.GetConversation(id, conv), Replies.conversation());
    }

    /** Adds {@code user} to the caller's contacts; idempotent; fails with {@code USER_NOT_FOUND} or {@code CONTACTS_FULL}. */
    public CompletableFuture<Void> addContact(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.AddContact(id, user), Replies.done());
    }

    /** Removes {@code user} from the caller's contacts; idempotent. */
    public CompletableFuture<Void> removeContact(String user) {
        Objects.requireNonNull(user, "user");
        return request(id -> new ClientFrame.RemoveContact(id, user), Replies.done());
    }

    /** The caller's contacts, sorted. */
    public CompletableFuture<List<String>> listContacts() {
        return request(ClientFrame.ListContacts::new, Replies.expect(ServerFrame.ContactList.class,
                r -> List.copyOf(r.contacts())));
    }

    /** The caller's conversations. */
    public CompletableFuture<List<ConversationView>> listConversations() {
        return request(ClientFrame.ListConversations::new,
                Replies.expect(ServerFrame.ConversationList.class, r -> List.copyOf(r.conversations())));
    }

    /** One page of a conversation's history (oldest first); fails with {@code CONVERSATION_NOT_FOUND} for non-members. */
    public CompletableFuture<HistoryPage> history(String conv, HistoryRequest request) {
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(request, "request");
        return request(id -> new ClientFrame.History(id, conv, request.beforeSeq(), request.afterSeq(),
                request.beforeTs(), request.afterTs(), request.limit()), Replies.expect(HistoryPage.class, r -> r));
    }

    /**
     * Marks every message of {@code conv} up to {@code upToSeq} read: the senders get a read
     * receipt and the user's other devices a receipt event.
     */
    public CompletableFuture<Void> markRead(String conv, long upToSeq) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.Read(id, conv, upToSeq), Replies.done());
    }

    /** Tells the other members that the user started ({@code true}) or stopped typing; ephemeral. */
    public CompletableFuture<Void> typing(String conv, boolean active) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.Typing(id, conv, active ? "start" : "stop"), Replies.done());
    }

    /**
     * Subscribes to presence changes of {@code users} and returns their current presence. Changes
     * arrive at {@link ParleyListener#onPresence}. Subscriptions belong to the connection, so the
     * client renews them after each reconnect.
     */
    public CompletableFuture<List<PresenceView>> subscribePresence(List<String> users) {
        List<String> copy = List.copyOf(users);
        CompletableFuture<List<PresenceView>> f = request(id -> new ClientFrame.SubscribePresence(id, copy),
                Replies.expect(ServerFrame.PresenceList.class, r -> List.copyOf(r.presences())));
        f.thenRun(() -> submit(() -> session.subscribedPresence(copy), () -> { }));
        return f;
    }

    /** Sets who may see the user's last-seen time: {@code everyone}, {@code contacts} or {@code nobody}. */
    public CompletableFuture<Void> setLastSeenPrivacy(String lastSeen) {
        Objects.requireNonNull(lastSeen, "lastSeen");
        return request(id -> new ClientFrame.SetPrivacy(id, lastSeen, null), Replies.done());
    }

    /**
     * Sets who may add the user to groups: {@code everyone}, {@code contacts} (the default: users
     * in the caller's contacts) or {@code nobody}.
     */
    public CompletableFuture<Void> setGroupAddPrivacy(String groupAdd) {
        Objects.requireNonNull(groupAdd, "groupAdd");
        return request(id -> new ClientFrame.SetPrivacy(id, null, groupAdd), Replies.done());
    }

    /**
     * Sets where the server wakes this device when it is offline ({@code set_push}): provider
     * {@code apns}, {@code fcm}, {@code webpush} or {@code webhook} with its target (see
     * {@link ParleyAccounts#setPushTarget}), or {@code none} (target null) to clear it.
     */
    public CompletableFuture<Void> setPushTarget(String provider, String target) {
        Objects.requireNonNull(provider, "provider");
        return request(id -> new ClientFrame.SetPush(id, provider, target), Replies.done());
    }

    /** Per-member receipt status of one message, and the aggregate; fails with {@code MESSAGE_NOT_FOUND}. */
    public CompletableFuture<MessageInfoReply> messageInfo(String conv, long seq) {
        Objects.requireNonNull(conv, "conv");
        return request(id -> new ClientFrame.MessageInfo(id, conv, seq), Replies.expect(MessageInfoReply.class, r -> r));
    }

    /** An application-level ping; completes with the server's pong (the client also pings by itself). */
    public CompletableFuture<ServerFrame.Pong> ping() {
        return request(ClientFrame.Ping::new, Replies.expect(ServerFrame.Pong.class, r -> r));
    }

    /** The cursor of the last inbox event handed to the listener and saved (the loaded one before that). */
    public long cursor() {
        return dispatch.savedCursor();
    }

    /** Whether an authenticated connection is up right now (it may still be syncing). */
    public boolean isConnected() {
        return session.isConnected();
    }

    /** The user named by the server's {@code welcome}, or null before the first connection. */
    public String user() {
        return session.user();
    }

    /** This device's id from the server's {@code welcome}, or null before the first connection. */
    public String device() {
        return session.device();
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
        boolean onListener = dispatch.isListenerThread();
        boolean onLoop = Thread.currentThread().getName().startsWith(name + "-io-");
        if (!onListener && !onLoop) {
            // let the listener finish what is queued, so its cursor is saved and acknowledged below
            dispatch.drain(Duration.ofSeconds(2));
        }
        CompletableFuture<CompletableFuture<Void>> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                Connection c = session.connection();
                try {
                    session.shutDown("closed", Session.closedException());
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
        dispatch.shutdown(Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return name + "[" + wsUri + ", user=" + session.user() + ", device=" + session.device() + "]";
    }

    // ---------------------------------------------------------------------------------------
    // Helpers

    /** A caller's request: validated here, sent from the loop thread. */
    private <T> CompletableFuture<T> request(Function<String, ClientFrame> make, Function<ServerFrame, T> map) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            make.apply("0").validate();
        } catch (ParleyException e) {
            f.completeExceptionally(new ParleyClientException(e.code(), e.getMessage()));
            return f;
        }
        submit(() -> session.request(make, map, f), () -> callbacks.fail(f, Session.closedException()));
        return f;
    }

    /** Listener thread: a cursor was saved, so it may be acknowledged. */
    private void cursorSaved(long cursor) {
        execute(() -> session.cursorSaved(cursor));
    }

    private void listenerCaughtUp() {
        session.resumeReading();
    }

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

    static URI webSocketUri(URI baseUri) {
        URI base = ParleyAccounts.normalizeBase(baseUri);
        String s = base.toString();
        String ws = s.regionMatches(true, 0, "https", 0, 5) ? "wss" + s.substring(5) : "ws" + s.substring(4);
        return URI.create(ws + "/ws?v=" + FrameCodec.PROTOCOL_VERSION);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ---------------------------------------------------------------------------------------

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