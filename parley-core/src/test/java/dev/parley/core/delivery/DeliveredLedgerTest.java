package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeliveredLedgerTest {

    /** One inbox entry: a message of another user ({@code conv} set) or anything else ({@code conv} null). */
    private record Entry(long cursor, String conv, long seq) {
    }

    @Test
    void aBacklogFromOneSenderIsOneRunAnsweredAtAnyCursor() {
        DeliveredLedger ledger = new DeliveredLedger(0);
        for (long c = 1; c <= 10_000; c++) {
            ledger.sent(c, "d1", c + 4);
        }
        Map<String, Long> maxSeq = new HashMap<>();
        assertThat(ledger.take(0, 2_500, maxSeq)).isEmpty();
        assertThat(maxSeq).containsExactly(Map.entry("d1", 2_504L));
        maxSeq.clear();
        assertThat(ledger.take(2_500, 10_000, maxSeq)).isEmpty();
        assertThat(maxSeq).containsExactly(Map.entry("d1", 10_004L));
    }

    @Test
    void ownMessagesAndOtherEventsRaiseNothing() {
        DeliveredLedger ledger = new DeliveredLedger(0);
        ledger.sent(1, null, 0);
        ledger.sent(2, "g", 7);
        ledger.sent(3, null, 0);
        Map<String, Long> maxSeq = new HashMap<>();
        assertThat(ledger.take(0, 1, maxSeq)).isEmpty();
        assertThat(maxSeq).isEmpty();
        assertThat(ledger.take(1, 3, maxSeq)).isEmpty();
        assertThat(maxSeq).containsExactly(Map.entry("g", 7L));
    }

    @Test
    void cursorsBeforeTheLedgerStartedAreReadFromTheStore() {
        DeliveredLedger ledger = new DeliveredLedger(40); // sync after 40 while the saved cursor is 10
        ledger.sent(41, "d1", 41);
        Map<String, Long> maxSeq = new HashMap<>();
        assertThat(ledger.take(10, 41, maxSeq)).containsExactly(new DeliveredLedger.Range(10, 40));
        assertThat(maxSeq).containsExactly(Map.entry("d1", 41L));
    }

    @Test
    void aDeviceThatNeverAcknowledgesMakesTheLedgerStopAtItsBound() {
        DeliveredLedger ledger = new DeliveredLedger(0);
        long cursor = 0;
        // Alternating conversations: every entry is a run of its own.
        for (int i = 0; i < DeliveredLedger.MAX_RUNS + 500; i++) {
            cursor++;
            ledger.sent(cursor, i % 2 == 0 ? "a" : "b", i);
        }
        Map<String, Long> maxSeq = new HashMap<>();
        List<DeliveredLedger.Range> fromStore = ledger.take(0, cursor, maxSeq);
        assertThat(fromStore).containsExactly(new DeliveredLedger.Range(DeliveredLedger.MAX_RUNS, cursor));
        assertThat(maxSeq).containsEntry("a", (long) DeliveredLedger.MAX_RUNS - 2)
                .containsEntry("b", (long) DeliveredLedger.MAX_RUNS - 1);
        // Everything recorded was acknowledged: it records again.
        ledger.sent(cursor + 1, "a", 5_000);
        maxSeq.clear();
        assertThat(ledger.take(cursor, cursor + 1, maxSeq)).isEmpty();
        assertThat(maxSeq).containsExactly(Map.entry("a", 5_000L));
    }

    /** Against a model that reads every acknowledged range back from the "store", as sessions did before. */
    @Test
    void answersLikeReadingTheAcknowledgedRangeBack() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 300; round++) {
            List<Entry> inbox = new java.util.ArrayList<>();
            Map<String, Long> seqs = new HashMap<>();
            long start = random.nextInt(5);
            long synced = start + random.nextInt(5); // the sync's "after" may be above the saved cursor
            int size = random.nextInt(3_000);
            for (long c = 1; c <= synced + size; c++) {
                int kind = random.nextInt(10);
                String conv = kind < 6 ? "d1" : kind < 8 ? "g" + random.nextInt(3) : null;
                String key = conv == null ? "own" : conv;
                long seq = seqs.merge(key, 1L + (random.nextInt(8) == 0 ? 1 : 0), Long::sum);
                inbox.add(new Entry(c, conv, seq));
            }
            DeliveredLedger ledger = new DeliveredLedger(synced);
            long acked = start;
            long sent = synced;
            while (acked < synced + size) {
                if (sent < synced + size && (sent == acked || random.nextInt(3) != 0)) {
                    long upTo = Math.min(synced + size, sent + 1 + random.nextInt(2_000));
                    for (long c = sent + 1; c <= upTo; c++) {
                        Entry e = inbox.get((int) c - 1);
                        ledger.sent(c, e.conv(), e.seq());
                    }
                    sent = upTo;
                } else {
                    long upTo = acked + 1 + random.nextInt((int) (sent - acked));
                    Map<String, Long> got = new HashMap<>();
                    for (DeliveredLedger.Range r : ledger.take(acked, upTo, got)) {
                        assertThat(r.after()).isGreaterThanOrEqualTo(acked);
                        assertThat(r.upTo()).isLessThanOrEqualTo(upTo).isGreaterThan(r.after());
                        readBack(inbox, r.after(), r.upTo(), got);
                    }
                    Map<String, Long> expected = new HashMap<>();
                    readBack(inbox, acked, upTo, expected);
                    assertThat(got).as("round %d, ack (%d, %d]", round, acked, upTo).isEqualTo(expected);
                    acked = upTo;
                }
            }
        }
    }

    private static void readBack(List<Entry> inbox, long after, long upTo, Map<String, Long> into) {
        for (long c = after + 1; c <= upTo; c++) {
            Entry e = inbox.get((int) c - 1);
            if (e.conv() != null) {
                into.merge(e.conv(), e.seq(), Math::max);
            }
        }
    }
}
