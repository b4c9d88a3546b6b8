package dev.parley.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A fake ticker that also runs what is scheduled on it: {@link #advance} moves time forward and
 * runs, in due order on the calling thread, every task that falls due on the way. Unit tests use
 * it instead of the client's loop thread, so they advance time instead of sleeping.
 */
final class ManualClock implements LongSupplier, Scheduler {
    private long nanos = 1_000_000_000L;
    private long sequence;
    private final List<Entry> queue = new ArrayList<>();

    @Override
    public long getAsLong() {
        return nanos;
    }

    @Override
    public Task schedule(Runnable task, long delayMillis) {
        Entry e = new Entry(task, nanos + delayMillis * 1_000_000, 0, sequence++);
        queue.add(e);
        return () -> e.cancelled = true;
    }

    @Override
    public Task repeat(Runnable task, long intervalMillis) {
        Entry e = new Entry(task, nanos + intervalMillis * 1_000_000, intervalMillis * 1_000_000, sequence++);
        queue.add(e);
        return () -> e.cancelled = true;
    }

    void advance(Duration d) {
        long until = nanos + d.toNanos();
        while (true) {
            Entry next = queue.stream().filter(e -> !e.cancelled && e.due <= until)
                    .min(Comparator.comparingLong((Entry e) -> e.due).thenComparingLong(e -> e.seq)).orElse(null);
            if (next == null) {
                break;
            }
            nanos = Math.max(nanos, next.due);
            if (next.period > 0) {
                next.task.run();
                next.due = nanos + next.period;
                next.seq = sequence++;
            } else {
                queue.remove(next);
                next.task.run();
            }
        }
        nanos = until;
        queue.removeIf(e -> e.cancelled);
    }

    void advanceMillis(long ms) {
        advance(Duration.ofMillis(ms));
    }

    /** Tasks scheduled and neither run nor cancelled. */
    long pendingTasks() {
        return queue.stream().filter(e -> !e.cancelled).count();
    }

    private static final class Entry {
        final Runnable task;
        final long period;
        long due;
        long seq;
        boolean cancelled;

        Entry(Runnable task, long due, long period, long seq) {
            this.task = task;
            this.due = due;
            this.period = period;
            this.seq = seq;
        }
    }
}
