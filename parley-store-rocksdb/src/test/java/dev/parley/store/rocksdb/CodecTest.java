package dev.parley.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {
    private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    private static Conversation group(int members) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            names.add("member-" + String.format("%05d", i));
        }
        return new Conversation("g:0123456789abcdef", Conversation.Kind.GROUP, "storm", names, names.get(0), T, 7);
    }

    /** Issue 12: 402 renames of a 1,024-member group grew the store from 328 MB to 8.3 GB. */
    @Test
    void aRenameEntryHasTheSameSizeInAGroupOfTwoAndOfAThousand() {
        for (Conversation c : List.of(group(2), group(1_024))) {
            InboxEvent.MembershipChanged renamed = new InboxEvent.MembershipChanged(c.id(), "renamed", "member-00000",
                    List.of(), "storm", c.version() + 1);
            byte[] bytes = Codec.inboxEvent(T, renamed);
            assertThat(bytes.length).as("rename entry of a group of %d", c.members().size()).isEqualTo(83);
            assertThat(Codec.inbox(bytes).event()).isEqualTo(renamed);
        }
    }

    @Test
    void conversationsKeepTheirAdminsAndOldOnesDefaultToTheCreator() {
        Conversation c = new Conversation("g:x", Conversation.Kind.GROUP, "n", List.of("ann", "bob", "cyd"), "ann", T,
                3, List.of("ann", "cyd"));
        assertThat(Codec.conversation(Codec.conversation(c))).isEqualTo(c);
        assertThat(new Conversation("g:x", Conversation.Kind.GROUP, "n", List.of("bob", "cyd"), "ann", T, 3).admins())
                .as("a format 1 group whose creator left").containsExactly("bob");
    }
}
