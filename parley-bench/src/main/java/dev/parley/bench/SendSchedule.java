package dev.parley.bench;

/**
 * When each sender of an open-loop (fixed-rate) run sends. Sender {@code i} of {@code n} sends its
 * message {@code k} at {@code (k + phase_i) / r}, r being its own rate and phase_i = i / n (offset
 * per worker), so that the senders together offer an evenly spaced stream. Senders that all sent
 * at k / r would offer one burst of n messages per interval instead, and latency would then
 * measure how long the server takes to work through a burst.
 */
final class SendSchedule {
    /** Offsets a worker's senders by the golden ratio's fraction, so that workers do not line up. */
    private static final double WORKER_OFFSET = 0.6180339887498949;

    private SendSchedule() {
    }

    /** Where in its send interval sender {@code index} of a worker's {@code count} sends, in [0, 1). */
    static double phase(int index, int count, int worker) {
        double phase = (double) index / count + worker * WORKER_OFFSET;
        return phase - Math.floor(phase);
    }

    /**
     * How many messages a sender with {@code phase} has due after {@code intervals} of its send
     * intervals: message k is due once intervals reach k + phase, so message 0 at the phase itself.
     */
    static long dueBy(double intervals, double phase) {
        return intervals < phase ? 0 : (long) (intervals - phase) + 1;
    }

    /** When message {@code k} of a sender is due, in microseconds on the run's clock. */
    static long dueMicros(long startMicros, long k, double phase, double perMicro) {
        return startMicros + (long) ((k + phase) / perMicro);
    }
}
