package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chat's terminal lines, exactly as a script reading them sees them. */
class ChatFormatTest {
    private final ChatFormat format = new ChatFormat("alice");

    private static MessageView message(String conv, long seq, String from, String body) {
        return new MessageView(conv, seq, "m" + seq, from, "dev-1", null, 0, body, "text/plain");
    }

    private static ConversationView conversation(String conv, String kind, String name, long lastSeq, String... members) {
        return new ConversationView(conv, kind, name, List.of(members), "alice", 0, lastSeq, List.of("alice"), 1);
    }

    private static MembershipEvent membership(String change, String actor, List<String> users, String name) {
        return new MembershipEvent(1, "g:1", change, actor, users, name, 1, 0);
    }

    @Test
    void ownMessagesAreFromMe() {
        assertThat(format.message(message("d:1", 1, "bob", "hi"))).isEqualTo("[d:1] bob: hi");
        assertThat(format.message(message("d:1", 2, "alice", "hello"))).isEqualTo("[d:1] me: hello");
    }

    @Test
    void conversationsAreLabelledByTheOthers() {
        assertThat(format.label(conversation("d:1", "direct", null, 0, "alice", "bob"))).isEqualTo("direct with bob");
        assertThat(format.label(conversation("d:2", "direct", null, 0, "alice")))
                .as("a note to self").isEqualTo("direct with alice");
        assertThat(format.label(conversation("g:1", "group", "friends", 0, "alice", "bob", "carol")))
                .isEqualTo("group \"friends\": alice, bob, carol");
        assertThat(format.others(conversation("g:1", "group", "friends", 0, "bob", "alice", "carol")))
                .containsExactly("bob", "carol");
    }

    @Test
    void listingIsNumberedFromOneWithMessageCounts() {
        assertThat(format.listing(List.of())).isEmpty();
        assertThat(format.listing(List.of(
                conversation("d:1", "direct", null, 1, "alice", "bob"),
                conversation("g:1", "group", "friends", 12, "alice", "bob"))))
                .isEqualTo("  1. d:1  direct with bob  (1 message)\n"
                        + "  2. g:1  group \"friends\": alice, bob  (12 messages)");
    }

    @Test
    void historyShowsOldestFirstAndSaysWhenThereIsMore() {
        assertThat(format.history("d:1", new HistoryPage("r1", "d:1", List.of(), false)))
                .isEqualTo("* no messages yet in d:1");
        List<MessageView> two = List.of(message("d:1", 4, "bob", "one"), message("d:1", 5, "alice", "two"));
        assertThat(format.history("d:1", new HistoryPage("r2", "d:1", two, false)))
                .isEqualTo("[d:1] bob: one\n[d:1] me: two");
        assertThat(format.history("d:1", new HistoryPage("r3", "d:1", two, true)))
                .isEqualTo("* … older messages not shown\n[d:1] bob: one\n[d:1] me: two");
    }

    @Test
    void membershipChangesReadAsSentences() {
        assertThat(ChatFormat.membership(membership("created", "alice", List.of("bob", "carol"), "friends")))
                .isEqualTo("* [g:1] alice created \"friends\" with bob, carol");
        assertThat(ChatFormat.membership(membership("created", "alice", List.of(), "")))
                .as("a direct conversation has no name").isEqualTo("* [g:1] alice created the conversation");
        assertThat(ChatFormat.membership(membership("promoted", "alice", List.of("bob"), null)))
                .isEqualTo("* [g:1] alice made bob an admin");
        assertThat(ChatFormat.membership(membership("renamed", "alice", null, "pals")))
                .isEqualTo("* [g:1] alice renamed the group to \"pals\"");
        assertThat(ChatFormat.membership(membership("added", "alice", List.of("dave"), null)))
                .isEqualTo("* [g:1] alice added dave");
        assertThat(ChatFormat.membership(membership("removed", "alice", List.of("dave"), null)))
                .isEqualTo("* [g:1] alice removed dave");
        assertThat(ChatFormat.membership(membership("left", "bob", List.of(), null))).isEqualTo("* [g:1] bob left");
        assertThat(ChatFormat.membership(membership("left", "alice", List.of("bob"), null))).isEqualTo("* [g:1] bob left");
        assertThat(ChatFormat.membership(membership("archived", "alice", List.of("bob"), null)))
                .as("an unknown change is still shown").isEqualTo("* [g:1] alice archived bob");
    }

    @Test
    void ticksShowTheStatusAndTheStartOfTheText() {
        assertThat(ChatFormat.tick(new Ticks.Change("d:1", 3, Ticks.Status.SENT, "hi"))).isEqualTo("✓ [d:1 #3] hi");
        assertThat(ChatFormat.tick(new Ticks.Change("d:1", 3, Ticks.Status.DELIVERED, "hi"))).isEqualTo("✓✓ [d:1 #3] hi");
        assertThat(ChatFormat.tick(new Ticks.Change("d:1", 3, Ticks.Status.READ, "hi\nthere"))).isEqualTo("✓✓ read [d:1 #3] hi there");
    }

    @Test
    void snippetsAreOneLineOfAtMostFortyCharacters() {
        assertThat(ChatFormat.snippet("  a\n\tb  ")).isEqualTo("a b");
        assertThat(ChatFormat.snippet("x".repeat(40))).isEqualTo("x".repeat(40));
        assertThat(ChatFormat.snippet("x".repeat(41))).isEqualTo("x".repeat(39) + "…");
    }

    @Test
    void typingNamesTheUserAndTheConversation() {
        assertThat(ChatFormat.typing("bob", "d:1")).isEqualTo("bob is typing… [d:1]");
    }

    @Test
    void presenceText() {
        assertThat(ChatFormat.presenceText("bob", true, null)).isEqualTo("bob is online");
        assertThat(ChatFormat.presenceText("bob", false, null)).isEqualTo("bob is offline");
        assertThat(ChatFormat.presenceText("bob", false, 0L)).startsWith("bob is offline (last seen 19");
        ZoneId zone = ZoneId.systemDefault();
        long todayAtNoon = LocalDate.now(zone).atTime(12, 34).atZone(zone).toInstant().toEpochMilli();
        assertThat(ChatFormat.presenceText("bob", false, todayAtNoon))
                .as("today only the time").isEqualTo("bob is offline (last seen 12:34)");
        long longAgo = LocalDate.of(2020, 2, 3).atTime(4, 5).atZone(zone).toInstant().toEpochMilli();
        assertThat(ChatFormat.presenceText("bob", false, longAgo)).isEqualTo("bob is offline (last seen 2020-02-03 04:05)");
    }
}
