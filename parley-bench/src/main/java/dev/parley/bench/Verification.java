package dev.parley.bench;

/**
 * What a scenario received, as counts; {@link #ok()} when nothing went wrong. Sums with
 * {@link #plus}.
 *
 * @param received          message deliveries checked
 * @param lost              messages acknowledged as stored (✓ sent) that never arrived
 * @param duplicated        deliveries of a sequence number (or inbox cursor) already seen
 * @param misordered        deliveries that arrived after a higher sequence number of their conversation
 * @param unexpected        sequence numbers above anything the sender was told was stored
 * @param inboxGaps         inbox cursors that skipped entries within a connection
 * @param sentAnomalies     {@code sent} replies that were duplicates or left holes in the sender's sequence numbers
 * @param errors            {@code error} frames received
 * @param unexpectedCloses  connections that closed or failed while they should have stayed open
 */
record Verification(long received, long lost, long duplicated, long misordered, long unexpected, long inboxGaps,
                    long sentAnomalies, long errors, long unexpectedCloses) {

    static final Verification EMPTY = new Verification(0, 0, 0, 0, 0, 0, 0, 0, 0);

    Verification plus(Verification o) {
        return new Verification(received + o.received, lost + o.lost, duplicated + o.duplicated,
                misordered + o.misordered, unexpected + o.unexpected, inboxGaps + o.inboxGaps,
                sentAnomalies + o.sentAnomalies, errors + o.errors, unexpectedCloses + o.unexpectedCloses);
    }

    boolean ok() {
        return lost == 0 && duplicated == 0 && misordered == 0 && unexpected == 0 && inboxGaps == 0
                && sentAnomalies == 0 && errors == 0 && unexpectedCloses == 0;
    }

    /** One line for the result table. */
    String summary() {
        String counts = String.format("%,d received, %,d lost, %,d duplicated, %,d misordered", received, lost,
                duplicated, misordered);
        StringBuilder more = new StringBuilder();
        if (unexpected > 0) more.append(String.format(", %,d unexpected", unexpected));
        if (inboxGaps > 0) more.append(String.format(", %,d inbox gaps", inboxGaps));
        if (sentAnomalies > 0) more.append(String.format(", %,d bad sent replies", sentAnomalies));
        if (errors > 0) more.append(String.format(", %,d error frames", errors));
        if (unexpectedCloses > 0) more.append(String.format(", %,d connections lost", unexpectedCloses));
        return (ok() ? "OK: " : "FAILED: ") + counts + more;
    }
}
