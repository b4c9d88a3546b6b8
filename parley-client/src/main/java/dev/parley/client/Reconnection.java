package dev.parley.client;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to connect again after a connection is lost, and what to renew once one is back. Failed
 * attempts back off exponentially with jitter until a connection syncs; a server's
 * {@code reconnect} request is honoured after its hint plus up to one minimum backoff of jitter,
 * so clients it sends away do not return in lock step. Presence subscriptions belong to a
 * connection, so the ones made are remembered and renewed on each new one.
 *
 * <p>Not thread-safe: loop thread only.
 */
final class Reconnection {
    private static final Logger log = LoggerFactory.getLogger(Reconnection.class);

    private final String name;
    private final Backoff backoff;
    private final Scheduler scheduler;
    private final DoubleSupplier random;
    private final Set<String> presenceSubscriptions = new LinkedHashSet<>();
    /** Attempts since the last connection that synced. */
    private int attempt;
    private Scheduler.Task task;

    Reconnection(String name, Backoff backoff, Scheduler scheduler, DoubleSupplier random) {
        this.name = name;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.random = random;
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

    /** Presence of {@code users} was subscribed to: renew it on every later connection. */
    void subscribedPresence(List<String> users) {
        presenceSubscriptions.addAll(users);
    }

    /** The users whose presence subscription a new connection must renew, in the order first subscribed. */
    List<String> presenceToRenew() {
        return List.copyOf(presenceSubscriptions);
    }
}
