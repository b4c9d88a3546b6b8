package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.cli.Ticks.Change;
import dev.parley.cli.Ticks.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class TicksTest {
    private final Ticks ticks = new Ticks("alice");

    @Test
    void directChatGoesSentDeliveredRead() {
        ticks.members("d:alice:bob", List.of("alice", "bob"));
        assertThat(ticks.sent("d:alice:bob", 1, "hi")).isEmpty();
        assertThat(ticks.sent("d:alice:bob", 2, "there")).isEmpty();
        assertThat(ticks.receipt("d:alice:bob", "bob", "delivered", 2)).containsExactly(
                new Change("d:alice:bob", 1, Status.DELIVERED, "hi"),
                new Change("d:alice:bob", 2, Status.DELIVERED, "there"));
        assertThat(ticks.receipt("d:alice:bob", "bob", "read", 1)).containsExactly(
                new Change("d:alice:bob", 1, Status.READ, "hi"));
        assertThat(ticks.status("d:alice:bob", 2)).isEqualTo(Status.DELIVERED);
    }

    @Test
    void readImpliesDeliveredAndNothingIsReportedTwice() {
        ticks.members("c", List.of("alice", "bob"));
        ticks.sent("c", 5, "x");
        assertThat(ticks.receipt("c", "bob", "read", 5)).containsExactly(new Change("c", 5, Status.READ, "x"));
        assertThat(ticks.receipt("c", "bob", "delivered", 5)).isEmpty();
        assertThat(ticks.receipt("c", "bob", "read", 5)).isEmpty();
    }

    @Test
    void groupMessagesNeedEveryOtherMember() {
        ticks.members("g", List.of("alice", "bob", "carol"));
        ticks.sent("g", 1, "hello all");
        assertThat(ticks.receipt("g", "bob", "delivered", 1)).isEmpty();
        assertThat(ticks.receipt("g", "carol", "delivered", 1)).containsExactly(new Change("g", 1, Status.DELIVERED, "hello all"));
        assertThat(ticks.receipt("g", "carol", "read", 1)).isEmpty();
        assertThat(ticks.receipt("g", "bob", "read", 1)).containsExactly(new Change("g", 1, Status.READ, "hello all"));
    }

    @Test
    void ownReceiptsFromOtherDevicesAreIgnored() {
        ticks.members("c", List.of("alice", "bob"));
        ticks.sent("c", 1, "x");
        assertThat(ticks.receipt("c", "alice", "read", 1)).isEmpty();
    }

    @Test
    void aReceiptArrivingBeforeTheSentReplyIsNotLost() {
        ticks.members("c", List.of("alice", "bob"));
        assertThat(ticks.receipt("c", "bob", "delivered", 3)).isEmpty();
        assertThat(ticks.sent("c", 3, "fast")).containsExactly(new Change("c", 3, Status.DELIVERED, "fast"));
    }

    @Test
    void unknownMembersFallBackToWhoeverSentReceipts() {
        ticks.sent("c", 1, "x");
        assertThat(ticks.receipt("c", "bob", "delivered", 1)).containsExactly(new Change("c", 1, Status.DELIVERED, "x"));
    }
}
