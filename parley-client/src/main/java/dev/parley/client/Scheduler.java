package dev.parley.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Delayed tasks on the client's loop thread: reply timeouts, send retries and deadlines, batched
 * acknowledgements, reconnect backoff and heartbeats. The client runs them on its single loop
 * thread ({@link #on}); unit tests use a hand-driven clock that runs a task once its fake ticker
 * passes the task's due time, so they advance time instead of sleeping.
 */
interface Scheduler {
    /** A scheduled task; cancelling is idempotent and does nothing once the task has run. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} once, {@code delayMillis} from now. */
    Task schedule(Runnable task, long delayMillis);

    /** Runs {@code task} every {@code intervalMillis}, the first time one interval from now, each next one interval after the last ended. */
    Task repeat(Runnable task, long intervalMillis);

    /** Tasks on {@code executor}: the client's loop thread. */
    static Scheduler on(ScheduledExecutorService executor) {
        return new Scheduler() {
            @Override
            public Task schedule(Runnable task, long delayMillis) {
                ScheduledFuture<?> f = executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public Task repeat(Runnable task, long intervalMillis) {
                ScheduledFuture<?> f = executor.scheduleWithFixedDelay(task, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }
        };
    }

    /** Cancels {@code task} unless it is null. */
    static void cancel(Task task) {
        if (task != null) {
            task.cancel();
        }
    }
}
