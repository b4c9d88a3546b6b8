package dev.parley.core.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends pushes off the message path: one slot per device holds at most one waiting notification,
 * so a burst of messages becomes one push (the newer replaces the older and the count grows), and
 * a device gets at most one push per {@link PushSettings#minInterval()}. Slots wait in a bounded
 * queue; at most {@link PushSettings#maxConcurrent()} sends are in flight. Retryable answers are
 * tried again with exponential backoff (or the provider's Retry-After), a dead target is handed to
 * {@code onDeadTarget} and its slot dropped.
 *
 * <p>Thread-safe: {@link #offer} takes a short lock and never waits on a provider.
 *
 * @implNote The queue bounds the devices waiting, not the messages: a device's slot absorbs every
 * message after the first. A dropped push loses no message, only a wake-up; the inbox is the truth.
 */
final class PushDispatcher {
    private static final Logger log = LoggerFactory.getLogger(PushDispatcher.class);
    private static final Duration IDLE_MEMORY = Duration.ofMinutes(1);

    private record Key(String user, String device) {
    }

    private static final class Slot {
        final Key key;
        PushTarget target;
        /** A target the provider called dead: ignored until the store no longer lists it. */
        String deadTarget;
        PushNotification waiting;
        long notBefore;
        long lastSent = Long.MIN_VALUE;
        int attempt;
        boolean inFlight;
        boolean queued;

        Slot(Key key) {
            this.key = key;
        }
    }

    private final Map<String, PushSender> senders;
    private final PushSettings settings;
    private final ScheduledExecutorService timers;
    private final LongSupplier nanoTime;
    private final Consumer<PushTarget> onDeadTarget;
    private final MeterRegistry meters;
    private final Map<Key, Slot> slots = new HashMap<>();
    private final Queue<Slot> ready = new ArrayDeque<>();
    private final Counter coalesced;
    private final Counter droppedFull;
    private final Counter gaveUp;
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private int waiting;
    private int inFlight;

    PushDispatcher(Map<String, PushSender> senders, PushSettings settings, ScheduledExecutorService timers,
                   LongSupplier nanoTime, Consumer<PushTarget> onDeadTarget, MeterRegistry meters) {
        this.senders = senders;
        this.settings = settings;
        this.timers = timers;
        this.nanoTime = nanoTime;
        this.onDeadTarget = onDeadTarget;
        this.meters = meters;
        this.coalesced = meters.counter("parley.push.coalesced");
        this.droppedFull = meters.counter("parley.push.dropped", "reason", "queue_full");
        this.gaveUp = meters.counter("parley.push.dropped", "reason", "retries_exhausted");
        meters.gauge("parley.push.waiting", this, d -> d.waitingCount());
        meters.gauge("parley.push.in_flight", this, d -> d.inFlightCount());
        long sweep = Math.max(1_000, settings.minInterval().toMillis());
        timers.scheduleWithFixedDelay(this::sweepIdle, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** Queues a push to {@code target}, or folds it into the one already waiting for that device. */
    void offer(PushTarget target, PushNotification n) {
        List<Runnable> sends;
        synchronized (this) {
            Key key = new Key(target.userId(), target.deviceId());
            Slot slot = slots.get(key);
            if (slot != null && target.target().equals(slot.deadTarget)) {
                return; // messages read the device before its dead target was removed
            }
            if (slot != null && slot.waiting != null) {
                slot.waiting = slot.waiting.mergedWith(n);
                slot.target = target;
                coalesced.increment();
                return;
            }
            if (waiting >= settings.queueCapacity()) {
                droppedFull.increment();
                return;
            }
            if (slot == null) {
                slot = new Slot(key);
                slots.put(key, slot);
            }
            slot.target = target;
            slot.waiting = n;
            slot.attempt = 0;
            waiting++;
            if (slot.inFlight) {
                return; // scheduled when the send in flight completes
            }
            schedule(slot, 0);
            sends = drain();
        }
        sends.forEach(this::launch);
    }

    synchronized int waitingCount() {
        return waiting;
    }

    synchronized int inFlightCount() {
        return inFlight;
    }

    /** Makes the slot ready once both the rate limit and {@code delayNanos} allow it. Under the lock. */
    private void schedule(Slot slot, long delayNanos) {
        long now = nanoTime.getAsLong();
        long rateLimited = slot.lastSent == Long.MIN_VALUE ? now : slot.lastSent + settings.minInterval().toNanos();
        long at = Math.max(now + delayNanos, rateLimited);
        slot.notBefore = at;
        if (at <= now) {
            enqueue(slot);
        } else {
            timers.schedule(() -> {
                List<Runnable> sends;
                synchronized (this) {
                    if (slot.waiting == null || slot.inFlight || slot.queued || slots.get(slot.key) != slot) {
                        return;
                    }
                    enqueue(slot);
                    sends = drain();
                }
                sends.forEach(this::launch);
            }, at - now, TimeUnit.NANOSECONDS);
        }
    }

    private void enqueue(Slot slot) {
        if (!slot.queued) {
            slot.queued = true;
            ready.add(slot);
        }
    }

    /** Takes ready slots up to the concurrency bound; the sends run after the lock is released. */
    private List<Runnable> drain() {
        List<Runnable> sends = new ArrayList<>();
        while (inFlight < settings.maxConcurrent() && !ready.isEmpty()) {
            Slot slot = ready.poll();
            slot.queued = false;
            PushNotification n = slot.waiting;
            if (n == null) {
                continue;
            }
            slot.waiting = null;
            waiting--;
            slot.inFlight = true;
            slot.lastSent = nanoTime.getAsLong();
            inFlight++;
            PushTarget target = slot.target;
            sends.add(() -> send(slot, target, n));
        }
        return sends;
    }

    /**
     * Runs a send on the push thread, never on the caller's: {@link #offer} is called on the
     * message path, and some senders do work before their first await (Web Push encrypts).
     */
    private void launch(Runnable send) {
        try {
            timers.execute(send);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("push not sent: shutting down");
        }
    }

    private void send(Slot slot, PushTarget target, PushNotification n) {
        PushSender sender = senders.get(target.provider());
        CompletableFuture<PushResult> result;
        try {
            result = sender.send(target, n).toCompletableFuture();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((r, e) -> completed(slot, target, n,
                e != null ? new PushResult.Retry(null, e.toString()) : r));
    }

    private void completed(Slot slot, PushTarget target, PushNotification n, PushResult result) {
        outcome(target.provider(), result).increment();
        boolean dead = false;
        List<Runnable> sends;
        synchronized (this) {
            inFlight--;
            slot.inFlight = false;
            if (result instanceof PushResult.Delivered) {
                slot.attempt = 0;
            } else if (result instanceof PushResult.Retry retry) {
                slot.attempt++;
                if (slot.attempt < settings.maxAttempts()) {
                    if (slot.waiting == null) {
                        slot.waiting = n;
                        waiting++;
                    } else {
                        slot.waiting = n.mergedWith(slot.waiting);
                    }
                    schedule(slot, backoff(slot.attempt, retry.after()).toNanos());
                } else {
                    gaveUp.increment();
                    log.info("push to {} given up after {} tries: {}", target, slot.attempt, retry.reason());
                    slot.attempt = 0;
                }
            } else if (result instanceof PushResult.DeadTarget d) {
                dead = true;
                slot.deadTarget = target.target();
                log.info("push target of {} is dead ({}); removing it", target, d.reason());
                if (slot.waiting != null && slot.target.target().equals(target.target())) {
                    slot.waiting = null;
                    waiting--;
                }
            } else if (result instanceof PushResult.Rejected rejected) {
                log.info("push to {} rejected by the provider: {}", target, rejected.reason());
            }
            if (slot.waiting != null && !slot.queued && slot.notBefore <= nanoTime.getAsLong()) {
                schedule(slot, 0);
            }
            sends = drain();
        }
        if (dead) {
            onDeadTarget.accept(target);
        }
        sends.forEach(this::launch);
    }

    private Duration backoff(int attempt, Duration hint) {
        long base = settings.retryBase().toMillis() << Math.min(20, attempt - 1);
        Duration d = Duration.ofMillis(Math.min(base, settings.retryMax().toMillis()));
        return hint != null && hint.compareTo(d) > 0 ? (hint.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : hint) : d;
    }

    private Counter outcome(String provider, PushResult r) {
        String outcome = r instanceof PushResult.Delivered ? "delivered"
                : r instanceof PushResult.Retry ? "retry"
                : r instanceof PushResult.DeadTarget ? "dead_target"
                : "rejected";
        return outcomes.computeIfAbsent(provider + "/" + outcome,
                k -> meters.counter("parley.push.sends", "provider", provider, "outcome", outcome));
    }

    /**
     * Forgets devices with nothing to send whose rate-limit window has passed, and at least a
     * minute after their last push, so a dead target is remembered until the store has dropped it.
     */
    private synchronized void sweepIdle() {
        long horizon = nanoTime.getAsLong() - Math.max(settings.minInterval().toNanos(), IDLE_MEMORY.toNanos());
        slots.values().removeIf(s -> s.waiting == null && !s.inFlight && !s.queued && s.lastSent != Long.MIN_VALUE
                && s.lastSent <= horizon && s.attempt == 0);
    }
}
