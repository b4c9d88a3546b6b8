package dev.parley.client;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.Sent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends kept until the server answers {@code sent}, so each completes exactly once with the one
 * message the server stored. A send waits for a connection, goes out with a fresh request id but
 * always the same client message id, and after a lost connection goes out again (in the order the
 * sends were made) on the next one. Retryable errors and reply timeouts are retried with backoff
 * (no sooner than a rate limit's hint) up to a number of attempts; a fatal error fails the send
 * at once; a deadline from the call bounds it all.
 *
 * <p>Not thread-safe: loop thread only. Futures complete on the callback executor.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    /** The connection, as the outbox sees it. */
    interface Transport {
        /** Whether frames can go out now (an authenticated connection). */
        boolean isUp();

        /** Writes a frame on the current connection; called only while {@link #isUp()}. */
        void send(ClientFrame frame);

        /** Why there is no connection (for the deadline's message). */
        String lastProblem();
    }

    private final String name;
    private final Transport transport;
    private final PendingRequests requests;
    private final Scheduler scheduler;
    private final Callbacks callbacks;
    private final Backoff backoff;
    private final DoubleSupplier random;
    private final long replyTimeoutMillis;
    private final int maxAttempts;
    private final long maxTimeMillis;
    /** By client message id, in the order the sends were made. */
    private final LinkedHashMap<String, PendingSend> sends = new LinkedHashMap<>();
    /** Those on the wire, by the request id of their latest attempt. */
    private final Map<String, PendingSend> byRequest = new HashMap<>();

    Outbox(String name, Transport transport, PendingRequests requests, Scheduler scheduler, Callbacks callbacks,
           Backoff backoff, DoubleSupplier random, long replyTimeoutMillis, int maxAttempts, long maxTimeMillis) {
        this.name = name;
        this.transport = transport;
        this.requests = requests;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.backoff = backoff;
        this.random = random;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.maxAttempts = maxAttempts;
        this.maxTimeMillis = maxTimeMillis;
    }

    /**
     * Queues a send, and transmits it if connected. A send with the same {@code clientMsgId}
     * still pending is joined instead: {@code future} completes with its outcome.
     */
    void add(String conv, String body, String contentType, String clientMsgId, CompletableFuture<Sent> future) {
        PendingSend existing = sends.get(clientMsgId);
        if (existing != null) {
            existing.future.whenComplete((v, e) -> {
                if (e != null) {
                    future.completeExceptionally(e);
                } else {
                    future.complete(v);
                }
            });
            return;
        }
        PendingSend ps = new PendingSend(conv, body, contentType, clientMsgId, future);
        sends.put(clientMsgId, ps);
        ps.deadline = scheduler.schedule(() -> expire(ps), maxTimeMillis);
        if (transport.isUp()) {
            transmit(ps);
        }
    }

    /** A connection is up: transmits, in order, every send neither on the wire nor waiting to retry. */
    void connected() {
        for (PendingSend ps : new ArrayList<>(sends.values())) {
            if (ps.requestId == null && ps.retryTask == null) {
                transmit(ps);
            }
        }
    }

    /** The connection is gone: no reply will come to what is on the wire, which goes out again on the next one. */
    void connectionLost() {
        for (PendingSend ps : sends.values()) {
            if (ps.requestId != null) {
                byRequest.remove(ps.requestId);
                Scheduler.cancel(ps.timeout);
                ps.requestId = null;
            }
        }
    }

    /** Whether {@code requestId} is a send on the wire (so an error with that id is its answer). */
    boolean owns(String requestId) {
        return byRequest.containsKey(requestId);
    }

    /** The server stored a message: completes its send, found by request id or else by client message id. */
    void sent(Sent s) {
        PendingSend ps = byRequest.get(s.id());
        if (ps == null && s.clientMsgId() != null) {
            ps = sends.get(s.clientMsgId());
        }
        if (ps == null) {
            log.debug("{}: sent reply for a send no longer pending", name);
            return;
        }
        finish(ps);
        callbacks.complete(ps.future, s);
    }

    /** The server refused send {@code requestId}: retried if the error is retryable, failed otherwise. */
    void error(String requestId, ServerFrame.Error e) {
        PendingSend ps = byRequest.remove(requestId);
        if (ps == null) {
            return;
        }
        Scheduler.cancel(ps.timeout);
        ps.requestId = null;
        ParleyClientException ex = new ParleyClientException(e.code(), e.message(), 0, e.retryable(),
                e.retryAfterMs() == null ? 0 : e.retryAfterMs(), null);
        if (e.retryable()) {
            retryOrFail(ps, ex);
        } else {
            finish(ps);
            callbacks.fail(ps.future, ex);
        }
    }

    /** Fails every send with {@code failure}: the client is closing. */
    void failAll(ParleyClientException failure) {
        for (PendingSend ps : List.copyOf(sends.values())) {
            finish(ps);
            callbacks.fail(ps.future, failure);
        }
    }

    int size() {
        return sends.size();
    }

    private void transmit(PendingSend ps) {
        String id = requests.nextId();
        ps.requestId = id;
        byRequest.put(id, ps);
        ps.timeout = scheduler.schedule(() -> {
            if (id.equals(ps.requestId)) {
                byRequest.remove(id);
                ps.requestId = null;
                retryOrFail(ps, ParleyClientException.local(ParleyClientException.TIMEOUT,
                        "no reply to send within " + replyTimeoutMillis + " ms", true));
            }
        }, replyTimeoutMillis);
        transport.send(new ClientFrame.Send(id, ps.conv, ps.clientMsgId, ps.body, ps.contentType));
    }

    private void retryOrFail(PendingSend ps, ParleyClientException cause) {
        ps.attempts++;
        if (ps.attempts >= maxAttempts) {
            finish(ps);
            callbacks.fail(ps.future, cause);
            return;
        }
        // A rate limit says when a send can pass; resending earlier would only be refused again.
        long delay = Math.max(cause.retryAfterMs(), backoff.delayMillis(ps.attempts - 1, random));
        log.debug("{}: send will be retried in {} ms after {}", name, delay, cause.code());
        ps.retryTask = scheduler.schedule(() -> {
            ps.retryTask = null;
            if (sends.get(ps.clientMsgId) == ps && ps.requestId == null && transport.isUp()) {
                transmit(ps);
            }
        }, delay);
    }

    private void expire(PendingSend ps) {
        if (sends.get(ps.clientMsgId) != ps) {
            return;
        }
        finish(ps);
        callbacks.fail(ps.future, ParleyClientException.local(ParleyClientException.TIMEOUT,
                "message not acknowledged within " + maxTimeMillis + " ms (" + transport.lastProblem()
                        + "); it may or may not be stored, resend with the same clientMsgId", true));
    }

    private void finish(PendingSend ps) {
        sends.remove(ps.clientMsgId, ps);
        if (ps.requestId != null) {
            byRequest.remove(ps.requestId);
            ps.requestId = null;
        }
        Scheduler.cancel(ps.timeout);
        Scheduler.cancel(ps.retryTask);
        Scheduler.cancel(ps.deadline);
    }

    private static final class PendingSend {
        final String conv;
        final String body;
        final String contentType;
        final String clientMsgId;
        final CompletableFuture<Sent> future;
        int attempts;
        String requestId;
        Scheduler.Task timeout;
        Scheduler.Task retryTask;
        Scheduler.Task deadline;

        PendingSend(String conv, String body, String contentType, String clientMsgId, CompletableFuture<Sent> future) {
            this.conv = conv;
            this.body = body;
            this.contentType = contentType;
            this.clientMsgId = clientMsgId;
            this.future = future;
        }
    }
}
