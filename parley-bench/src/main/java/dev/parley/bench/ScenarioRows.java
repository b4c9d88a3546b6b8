package dev.parley.bench;

import java.util.List;

/** Report rows that more than one scenario prints. */
final class ScenarioRows {
    private ScenarioRows() {
    }

    /** "met" or "not met", and the target, for a row that has one. */
    static String target(boolean met, String what) {
        return (met ? "met" : "not met") + " (target " + what + ")";
    }

    /** Delivered and durable message rates over the measured window, and the drain after it. */
    static void messagingRows(Report r, List<WorkerEvent> results, int duration) {
        double delivered = ScenarioCommand.measuredRate(results, "measuredDelivered");
        double sent = ScenarioCommand.measuredRate(results, "measuredSent");
        r.row("delivered", String.format("%,.0f msg/s (received by their recipients; %,d in the %d s window)",
                delivered, ScenarioCommand.sum(results, "measuredDelivered"), duration),
                "deliveredPerSec", Math.round(delivered));
        r.row("sent (durable)", String.format("%,.0f msg/s (✓ sent replies)", sent), "sentPerSec", Math.round(sent));
        r.put("deliveredTotal", ScenarioCommand.sum(results, Runner.DELIVERED));
        r.put("sentTotal", ScenarioCommand.sum(results, Runner.SENT));
        long drainMicros = results.stream().mapToLong(e -> e.counters().getOrDefault("drainMicros", 0L)).max().orElse(0);
        r.row("drain", String.format("%s ms after sending stopped until everything had arrived", Hist.ms(drainMicros)),
                "drainMicros", drainMicros);
        retryRow(r, results);
    }

    /** Requests the server refused with a retryable error, which the bench sent again as a client does. */
    static void retryRow(Report r, List<WorkerEvent> results) {
        long sends = ScenarioCommand.sum(results, Runner.RETRIED_SENDS);
        long acks = ScenarioCommand.sum(results, Runner.RETRIED_ACKS);
        if (sends + acks > 0) {
            r.row("retried", String.format("%,d sends and %,d acknowledgements refused with a retryable error "
                    + "(e.g. UNAVAILABLE) were sent again after a backoff, as docs/PROTOCOL.md asks of clients "
                    + "(a send with its clientMsgId, so it is stored once)", sends, acks), "retriedSends", sends);
            r.put("retriedAcks", acks);
        }
    }
}
