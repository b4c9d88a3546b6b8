package dev.parley.client;

import static dev.parley.client.InboxDedup.Verdict.DELIVER;
import static dev.parley.client.InboxDedup.Verdict.DROP;
import static dev.parley.client.InboxDedup.Verdict.SKIP_ADVANCE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InboxDedupTest {

    @Test
    void deliversIncreasingCursorsOnce() {
        InboxDedup d = new InboxDedup(0, 16);
        assertThat(d.offerMessage(1, "d:a:b", 1)).isEqualTo(DELIVER);
        assertThat(d.offer(2)).isEqualTo(DELIVER);
        assertThat(d.offerMessage(3, "d:a:b", 2)).isEqualTo(DELIVER);
        assertThat(d.highest()).isEqualTo(3);
    }

    @Test
    void dropsEntriesResentAfterReconnect() {
        InboxDedup d = new InboxDedup(0, 16);
        d.offerMessage(1, "c", 1);
        d.offerMessage(2, "c", 2);
        // the server resends from an older cursor after a reconnect
        assertThat(d.offerMessage(1, "c", 1)).isEqualTo(DROP);
        assertThat(d.offerMessage(2, "c", 2)).isEqualTo(DROP);
        assertThat(d.offer(2)).isEqualTo(DROP);
        assertThat(d.offerMessage(3, "c", 3)).isEqualTo(DELIVER);
    }

    @Test
    void startsFromTheSavedCursor() {
        InboxDedup d = new InboxDedup(10, 16);
        assertThat(d.offer(10)).isEqualTo(DROP);
        assertThat(d.offer(7)).isEqualTo(DROP);
        assertThat(d.offer(11)).isEqualTo(DELIVER);
    }

    @Test
    void toleratesGapsInCursors() {
        InboxDedup d = new InboxDedup(0, 16);
        assertThat(d.offer(5)).isEqualTo(DELIVER);
        assertThat(d.offer(9)).isEqualTo(DELIVER);
        assertThat(d.offer(6)).isEqualTo(DROP);
    }

    @Test
    void sameMessageUnderANewCursorAdvancesWithoutRedelivery() {
        InboxDedup d = new InboxDedup(0, 16);
        assertThat(d.offerMessage(1, "g:x", 7)).isEqualTo(DELIVER);
        assertThat(d.offerMessage(2, "g:x", 7)).isEqualTo(SKIP_ADVANCE);
        assertThat(d.highest()).isEqualTo(2);
        assertThat(d.offerMessage(3, "g:y", 7)).as("same seq, other conversation").isEqualTo(DELIVER);
    }

    @Test
    void identityWindowIsBounded() {
        InboxDedup d = new InboxDedup(0, 2);
        d.offerMessage(1, "c", 1);
        d.offerMessage(2, "c", 2);
        d.offerMessage(3, "c", 3);
        // (c,1) has left the window; only the cursor protects now, and cursor 4 is new
        assertThat(d.offerMessage(4, "c", 1)).isEqualTo(DELIVER);
        assertThat(d.offerMessage(5, "c", 3)).isEqualTo(SKIP_ADVANCE);
    }
}
