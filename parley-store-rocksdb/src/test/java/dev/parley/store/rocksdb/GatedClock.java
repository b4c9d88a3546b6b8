package dev.parley.store.rocksdb;

import dev.parley.testkit.store.MutableClock;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test clock that, once armed, holds the next thread that reads it until released. The
 * committer reads the clock while applying a message, so arming it parks the committer
 * mid-group and lets a test queue requests deterministically behind it.
 */
final class GatedClock extends Clock {
    private final MutableClock time;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(1);

    GatedClock(MutableClock time) {
        this.time = time;
    }

    void arm() {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until a thread is held. */
    void awaitHeld() throws InterruptedException {
        if (!entered.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no thread read the clock");
        }
    }

    void release() {
        release.countDown();
    }

    @Override
    public Instant instant() {
        if (armed.compareAndSet(true, false)) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return time.instant();
    }

    @Override
    public ZoneId getZone() {
        return time.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
