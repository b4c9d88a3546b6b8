package dev.parley.testkit.store;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ConversationStore} adapter passes: creation is idempotent and applies
 * once under concurrency, updates are optimistic on the version (a stale one writes nothing), a
 * change and its membership entries land together in the inboxes of the
 * {@link dev.parley.core.message.MessageStore} it shares state with, in order with the messages,
 * and reads follow membership. Extend it and implement {@link #createStores}.
 */
public abstract class ConversationStoreContract extends MessagingStoresFixture {

    @Test
    void creatingADirectConversationTwiceReturnsTheFirst() {
        String id = Conversation.directId("bob", "alice");
        Conversation c = new Conversation(id, Conversation.Kind.DIRECT, "", List.of("bob", "alice"), "bob",
                clock.instant(), 1);
        ConversationWrite first = await(conversations.createConversation(c, "bob"));
        clock.advance(Duration.ofMinutes(1));
        Conversation again = new Conversation(id, Conversation.Kind.DIRECT, "", List.of("alice", "bob"), "alice",
                clock.instant(), 1);
        ConversationWrite second = await(conversations.createConversation(again, "alice"));

        assertThat(first.applied()).isTrue();
        assertThat(first.inboxEntries()).containsOnlyKeys("alice", "bob");
        assertThat(second.applied()).isFalse();
        assertThat(second.inboxEntries()).isEmpty();
        assertThat(second.conversation()).isEqualTo(c);
        assertThat(await(conversations.findConversation(id))).contains(c);
        assertThat(inbox("alice")).containsExactly(first.inboxEntries().get("alice"));
        assertThat(await(conversations.conversationsOf("alice"))).containsExactly(c);
        assertThat(await(conversations.conversationsOf("bob"))).containsExactly(c);
    }

    @Test
    void concurrentCreationsOfOneConversationApplyOnce() {
        List<CompletableFuture<ConversationWrite>> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(conversations.createConversation(group("g:once", "alice", "bob"), "alice")
                    .toCompletableFuture());
        }
        assertThat(writes.stream().map(Async::await).filter(ConversationWrite::applied)).hasSize(1);
        assertThat(inbox("bob")).hasSize(1);
    }

    @Test
    void findConversationOfUnknownIdIsEmpty() {
        assertThat(await(conversations.findConversation("g:unknown"))).isEmpty();
        assertThat(await(conversations.conversationsOf("nobody"))).isEmpty();
    }

    @Test
    void updateConversationWithTheNextVersionApplies() {
        Conversation c = create("g:rename", "alice", "bob");
        Conversation renamed = new Conversation(c.id(), c.kind(), "new name", c.members(), c.createdBy(),
                c.createdAt(), c.version() + 1, List.of("alice", "bob"));
        InboxEvent.MembershipChanged event = new InboxEvent.MembershipChanged(c.id(), "renamed", "bob", List.of(),
                "new name", renamed.version());

        ConversationWrite w = await(conversations.updateConversation(renamed, event, List.of("alice", "bob")));

        assertThat(w.applied()).isTrue();
        assertThat(w.conversation()).isEqualTo(renamed);
        assertThat(w.inboxEntries()).containsOnlyKeys("alice", "bob");
        assertThat(await(conversations.findConversation(c.id()))).contains(renamed);
        for (String user : List.of("alice", "bob")) {
            List<InboxEntry> entries = inbox(user);
            assertThat(entries).extracting(InboxEntry::cursor).containsExactly(1L, 2L);
            assertThat(entries.get(1)).isEqualTo(w.inboxEntries().get(user));
            assertThat(entries.get(1).event()).isEqualTo(event);
        }
    }

    @Test
    void updateConversationWithAStaleVersionWritesNothing() {
        Conversation c = create("g:race", "alice", "bob");
        Conversation first = new Conversation(c.id(), c.kind(), "first", c.members(), c.createdBy(), c.createdAt(),
                c.version() + 1);
        Conversation loser = new Conversation(c.id(), c.kind(), "second", List.of("alice", "bob", "carol"),
                c.createdBy(), c.createdAt(), c.version() + 1);
        await(conversations.updateConversation(first, new InboxEvent.MembershipChanged(c.id(), "renamed", "alice",
                List.of(), "first", first.version()), List.of("alice", "bob")));

        ConversationWrite w = await(conversations.updateConversation(loser, new InboxEvent.MembershipChanged(c.id(),
                "added", "bob", List.of("carol"), null, loser.version()), List.of("alice", "bob", "carol")));

        assertThat(w.applied()).isFalse();
        assertThat(w.conversation()).isEqualTo(first);
        assertThat(w.inboxEntries()).isEmpty();
        assertThat(await(conversations.findConversation(c.id()))).contains(first);
        assertThat(await(messages.inboxHead("carol"))).isZero();
        assertThat(await(messages.inboxHead("bob"))).isEqualTo(2);
        assertThat(await(conversations.conversationsOf("carol"))).isEmpty();
    }

    @Test
    void concurrentUpdatesOfOneVersionApplyOnce() {
        Conversation c = create("g:contest", "alice", "bob");
        List<CompletableFuture<ConversationWrite>> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Conversation renamed = c.next("name " + i, c.members(), c.admins());
            writes.add(conversations.updateConversation(renamed, new InboxEvent.MembershipChanged(c.id(), "renamed",
                    "alice", List.of(), renamed.name(), renamed.version()), c.members()).toCompletableFuture());
        }
        List<ConversationWrite> results = writes.stream().map(Async::await).toList();

        List<ConversationWrite> applied = results.stream().filter(ConversationWrite::applied).toList();
        assertThat(applied).hasSize(1);
        Conversation winner = applied.get(0).conversation();
        assertThat(results).allSatisfy(w -> assertThat(w.conversation()).isEqualTo(winner));
        assertThat(await(conversations.findConversation(c.id()))).contains(winner);
        assertThat(inbox("bob")).hasSize(2);
        assertThat(inbox("bob").get(1).event()).isInstanceOfSatisfying(InboxEvent.MembershipChanged.class,
                e -> assertThat(e.name()).isEqualTo(winner.name()));
    }

    @Test
    void adminsAreStoredWithTheConversation() {
        Conversation c = create("g:admins", "alice", "bob", "carol");
        assertThat(c.admins()).containsExactly("alice");
        Conversation promoted = c.next(c.name(), c.members(), List.of("alice", "carol"));
        await(conversations.updateConversation(promoted, new InboxEvent.MembershipChanged(c.id(), "promoted", "alice",
                List.of("carol"), null, promoted.version()), c.members()));
        assertThat(await(conversations.findConversation(c.id()))).hasValueSatisfying(found -> {
            assertThat(found.admins()).containsExactly("alice", "carol");
            assertThat(found).isEqualTo(promoted);
        });
    }

    @Test
    void aMembershipEntryCarriesOnlyTheChangeWhateverTheGroupSize() {
        String[] many = new String[300];
        for (int i = 0; i < many.length; i++) {
            many[i] = "member" + i;
        }
        Conversation big = create("g:big", many);
        Conversation renamed = big.next("big renamed", big.members(), big.admins());
        InboxEvent.MembershipChanged event = new InboxEvent.MembershipChanged(big.id(), "renamed", "member0",
                List.of(), "big renamed", renamed.version());
        await(conversations.updateConversation(renamed, event, big.members()));

        List<InboxEntry> last = inbox("member299");
        assertThat(last).hasSize(2);
        assertThat(last.get(0).event()).isEqualTo(big.creation("member0"));
        assertThat(last.get(1).event()).isEqualTo(event);
    }

    @Test
    void conversationsOfFollowsMembershipChanges() {
        Conversation g = create("g:club", "alice", "bob");
        Conversation other = create("g:other", "bob", "carol");
        Conversation added = new Conversation(g.id(), g.kind(), g.name(), List.of("alice", "bob", "carol"),
                g.createdBy(), g.createdAt(), 2);
        await(conversations.updateConversation(added, new InboxEvent.MembershipChanged(g.id(), "added", "alice",
                List.of("carol"), null, 2), added.members()));
        assertThat(await(conversations.conversationsOf("carol"))).containsExactlyInAnyOrder(added, other);

        Conversation removed = new Conversation(g.id(), g.kind(), g.name(), List.of("alice", "carol"),
                g.createdBy(), g.createdAt(), 3);
        await(conversations.updateConversation(removed, new InboxEvent.MembershipChanged(g.id(), "removed", "alice",
                List.of("bob"), null, 3), added.members()));

        assertThat(await(conversations.conversationsOf("bob"))).containsExactly(other);
        assertThat(await(conversations.conversationsOf("alice"))).containsExactly(removed);
        assertThat(await(conversations.conversationsOf("carol"))).containsExactlyInAnyOrder(removed, other);
        // The removed member was told (notify included bob).
        assertThat(inbox("bob")).last().satisfies(e -> assertThat(e.event()).isInstanceOfSatisfying(
                InboxEvent.MembershipChanged.class, m -> assertThat(m.change()).isEqualTo("removed")));
    }

    @Test
    void updatingAMissingConversationFailsAndWritesNothing() {
        Conversation ghost = group("g:ghost", "alice", "bob")
                .next("renamed", List.of("alice", "bob"), List.of("alice"));
        assertFailsWith(conversations.updateConversation(ghost, new InboxEvent.MembershipChanged(ghost.id(), "renamed",
                "alice", List.of(), "renamed", ghost.version()), ghost.members()), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(conversations.findConversation("g:ghost"))).isEmpty();
        assertThat(await(messages.inboxHead("alice"))).isZero();
        assertThat(await(messages.inboxHead("bob"))).isZero();
    }

    /** Membership entries share the inboxes, cursors and order of the conversation's messages. */
    @Test
    void membershipEntriesFollowTheMessagesBeforeThemInEveryInbox() {
        Conversation c = create("g:mixed", "alice", "bob");
        send("g:mixed", "alice", "a-1");
        send("g:mixed", "bob", "b-1");
        Conversation added = c.next(c.name(), List.of("alice", "bob", "carol"), c.admins());
        InboxEvent.MembershipChanged event = new InboxEvent.MembershipChanged(c.id(), "added", "alice",
                List.of("carol"), null, added.version());

        ConversationWrite w = await(conversations.updateConversation(added, event, added.members()));

        assertThat(w.inboxEntries().get("bob").cursor()).isEqualTo(4);
        assertThat(w.inboxEntries().get("carol").cursor()).isEqualTo(1);
        assertThat(inbox("bob")).extracting(InboxEntry::event).element(3).isEqualTo(event);
        assertThat(inbox("carol")).extracting(InboxEntry::event).containsExactly(event);
        // The newcomer may send at once, and the next message reaches every member after the change.
        AppendResult next = send("g:mixed", "carol", "c-1");
        assertThat(next.inboxEntries()).containsOnlyKeys("alice", "bob", "carol");
        assertThat(next.inboxEntries().get("alice").cursor()).isEqualTo(5);
        assertThat(next.inboxEntries().get("carol").cursor()).isEqualTo(2);
    }
}
