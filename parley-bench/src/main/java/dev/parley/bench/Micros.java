package dev.parley.bench;

/**
 * The process-wide monotonic clock of the load generator, in microseconds since an arbitrary base
 * taken when this class loads. Values are only comparable within one process, which is why a
 * message's sender and its receivers always run in the same worker.
 */
final class Micros {
    private static final long BASE = System.nanoTime();

    private Micros() {
    }

    /** Microseconds since the base; never negative, never decreasing. */
    static long now() {
        return (System.nanoTime() - BASE) / 1_000;
    }
}
