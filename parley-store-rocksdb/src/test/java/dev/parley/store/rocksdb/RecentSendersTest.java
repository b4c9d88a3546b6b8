package dev.parley.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecentSendersTest {

    private static Set<String> senders(RecentSenders r, long after, long upTo) {
        Set<String> out = new HashSet<>();
        return r.collect(after, upTo, out) ? out : null;
    }

    @Test
    void nothingBeforeTheLoadedHeadIsKnown() {
        RecentSenders r = RecentSenders.unknownUpTo(10).append(11, "a").append(12, "b");

        assertThat(senders(r, 9, 11)).isNull();
        assertThat(senders(r, 10, 11)).containsExactly("a");
        assertThat(senders(r, 10, 12)).containsExactlyInAnyOrder("a", "b");
        assertThat(senders(r, 11, 12)).containsExactly("b");
    }

    @Test
    void runsOfOneSenderShareAnEntryAndBoundTheRangesAnswered() {
        RecentSenders r = RecentSenders.unknownUpTo(0);
        for (long seq = 1; seq <= 5; seq++) {
            r = r.append(seq, "a");
        }
        r = r.append(6, "b").append(7, "b").append(8, "a");

        assertThat(senders(r, 0, 5)).containsExactly("a");
        assertThat(senders(r, 4, 6)).containsExactlyInAnyOrder("a", "b");
        assertThat(senders(r, 5, 7)).containsExactly("b");
        assertThat(senders(r, 6, 7)).containsExactly("b");
        assertThat(senders(r, 7, 8)).containsExactly("a");
    }

    @Test
    void theOldestRunIsForgottenBeyondTheLimit() {
        RecentSenders r = RecentSenders.unknownUpTo(0);
        long seq = 0;
        for (int run = 0; run <= RecentSenders.MAX_RUNS; run++) {
            r = r.append(++seq, "u" + run).append(++seq, "u" + run);
        }
        // Runs 1..MAX_RUNS remain; run 0 (seq 1-2) is forgotten.
        assertThat(senders(r, 1, 3)).isNull();
        assertThat(senders(r, 2, 3)).containsExactly("u1");
        assertThat(senders(r, 2, seq)).hasSize(RecentSenders.MAX_RUNS);
    }

    @Test
    void aFreshConversationIsKnownFromItsFirstMessage() {
        RecentSenders r = RecentSenders.unknownUpTo(0).append(1, "a");
        assertThat(senders(r, 0, 1)).containsExactly("a");
    }
}
