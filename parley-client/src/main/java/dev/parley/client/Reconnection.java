package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.PresenceView;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to connect again after a connection is lost, and what to renew once one is back. Failed
 * attempts back off exponentially with jitter until a connection syncs; a server's
 * {@code reconnect} request is honoured after its hint plus up to one minimum backoff of jitter,
 * so clients it sends away do not return in lock step. A new connection first syncs the inbox
 * from the highest cursor accepted; presence subscriptions belong to a connection, so the ones
 * made are remembered and renewed on each new one.
 *
 * <p>Not thread-safe: loop thread only.
 */
final class Reconnection {
    private static final Logger log = LoggerFactory.getLogger(Reconnection.class);

    private final String name;
    private final Backoff backoff;
    private final Scheduler scheduler;
    private final DoubleSupplier random;
    private final PendingRequests requests;
    private final ListenerDispatch dispatch;
    private final Set<String> presenceSubscriptions = new LinkedHashSet<>();
    /** Attempts since the last connection that synced. */
    private int attempt;
    private Scheduler.Task task;

    /** @param dispatch where the presence a renewal returns is reported */
    Reconnection(String name, Backoff backoff, Scheduler scheduler, DoubleSupplier random, PendingRequests requests,
                 ListenerDispatch dispatch) {
        this.name = name;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.random = random;
        this.requests = requests;
        this.dispatch = dispatch;
    }

    /** Failed attempts in a row so far (0 while connected). */
    int attempt() {
        return attempt;
    }

    /** The scheduled attempt has begun. */
    void attempting() {
        task = null;
    }

    /** A connection synced: the next loss starts the backoff from the minimum again. */
    void synced() {
        attempt = 0;
    }

    /** The delay before the next attempt after a failed or lost connection; each call counts one attempt. */
    long nextDelayMillis() {
        return backoff.delayMillis(attempt++, random);
    }

    /** The delay before reconnecting when the server asked for it, with the server's hint. */
    long serverAskedDelayMillis(long retryAfterMs) {
        return Math.max(0, retryAfterMs) + (long) (random.getAsDouble() * backoff.minMillis());
    }

    /** Runs {@code connect} in {@code delayMillis}, replacing an attempt already scheduled. */
    void schedule(long delayMillis, Runnable connect) {
        Scheduler.cancel(task);
        log.debug("{}: reconnecting in {} ms", name, delayMillis);
        task = scheduler.schedule(connect, delayMillis);
    }

    /** No more attempts: the client is closing. */
    void stop() {
        Scheduler.cancel(task);
    }

    /**
     * Asks a new connection, through {@code send}, for the inbox after {@code after} (0: the
     * server chooses). {@code outcome} gets the {@code synced} reply, or the failure when the
     * server refuses or the connection ends first. No reply timeout: a long backlog streams
     * before {@code synced}, and the heartbeat watches the connection meanwhile.
     */
    void resync(long after, Consumer<ClientFrame> send, BiConsumer<ServerFrame.Synced, Throwable> outcome) {
        String syncId = requests.nextId();
        CompletableFuture<ServerFrame.Synced> sync = new CompletableFuture<>();
        requests.awaitWithoutTimeout(syncId, sync, Replies.expect(ServerFrame.Synced.class, r -> r));
        send.accept(new ClientFrame.Sync(syncId, after > 0 ? after : null));
        sync.whenComplete(outcome);
    }

    /** Renews, through {@code send}, the presence subscriptions made so far; their current presence goes to the listener. */
    void resubscribe(Consumer<ClientFrame> send) {
        if (presenceSubscriptions.isEmpty()) {
            return;
        }
        List<String> users = List.copyOf(presenceSubscriptions);
        String id = requests.nextId();
        CompletableFuture<List<PresenceView>> p = new CompletableFuture<>();
        requests.await(id, p, Replies.expect(ServerFrame.PresenceList.class, ServerFrame.PresenceList::presences), true);
        send.accept(new ClientFrame.SubscribePresence(id, users));
        p.whenComplete((list, err) -> {
            if (err != null) {
                log.warn("{}: renewing presence subscriptions failed: {}", name, err.toString());
            } else {
                for (PresenceView v : list) {
                    dispatch.presence(new ServerFrame.PresenceEvent(v.user(), v.online(), v.lastSeen()));
                }
            }
        });
    }

    /** Presence of {@code users} was subscribed to: renew it on every later connection. */
    void subscribedPresence(List<String> users) {
        presenceSubscriptions.addAll(users);
    }
}
