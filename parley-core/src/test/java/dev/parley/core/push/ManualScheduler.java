package dev.parley.core.push;

import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduled executor whose time is a ticker the test advances: tasks run on the test's thread
 * when {@link #runDue()} or {@link #advance} reaches them, in time order, so timing tests need
 * no sleeps and assert exact instants. {@link #nanos} is the ticker to give the code under test.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;
    private boolean shutdown;

    /** Runs every task due now, including those the tasks schedule for now. */
    void runDue() {
        Task t;
        while ((t = nextDue(nanos.get())) != null) {
            t.run();
        }
    }

    /** Moves time forward by {@code d}, running each task at its own instant on the way. */
    void advance(Duration d) {
        long target = nanos.get() + d.toNanos();
        Task t;
        while ((t = nextDue(target)) != null) {
            nanos.set(Math.max(nanos.get(), t.due));
            t.run();
        }
        nanos.set(target);
        runDue();
    }

    private synchronized Task nextDue(long until) {
        Task t = tasks.peek();
        if (t == null || t.due > until) {
            return null;
        }
        return tasks.poll();
    }

    private synchronized Task add(Runnable r, long delayNanos, long periodNanos) {
        Task t = new Task(r, nanos.get() + Math.max(0, delayNanos), periodNanos, sequence++);
        tasks.add(t);
        return t;
    }

    @Override
    public void execute(Runnable command) {
        add(command, 0, 0);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(delay));
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        synchronized (this) {
            tasks.clear();
        }
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    private final class Task implements ScheduledFuture<Object>, Runnable {
        final Runnable body;
        final long due;
        final long period;
        final long seq;
        boolean cancelled;

        Task(Runnable body, long due, long period, long seq) {
            this.body = body;
            this.due = due;
            this.period = period;
            this.seq = seq;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            body.run();
            if (period > 0) {
                add(body, period, period);
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - nanos.get(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task t = (Task) o;
            return due != t.due ? Long.compare(due, t.due) : Long.compare(seq, t.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}
