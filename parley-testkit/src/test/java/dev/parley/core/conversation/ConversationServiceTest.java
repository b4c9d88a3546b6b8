package dev.parley.core.conversation;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.ServiceFixture;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.protocol.ErrorCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Groups and direct conversations: who may change what, consent, churn, leaving, and what is announced. */
class ConversationServiceTest {
    private static final int MAX_MEMBERS = 4;
    private static final int CHANGES_PER_MINUTE = 3;

    private final ServiceFixture f = new ServiceFixture(65_536, MAX_MEMBERS, CHANGES_PER_MINUTE, 100);
    private final ConversationService conversations = f.conversations;

    ConversationServiceTest() {
        f.users("alice", "bob", "carol", "dave", "erin");
        f.openToGroups("alice", "bob", "carol", "dave", "erin");
    }

    @AfterEach
    void close() {
        f.close();
    }

    private Conversation group(String creator, String... members) {
        return await(conversations.createGroup(creator, "friends", List.of(members)));
    }

    private Conversation stored(String id) {
        return await(f.store.findConversation(id)).orElseThrow();
    }

    private static InboxEvent.MembershipChanged change(InboxEntry e) {
        return (InboxEvent.MembershipChanged) e.event();
    }

    // ---- creating

    @Test
    void theCreatorIsTheFirstAdminAndEveryMemberIsToldOnce() {
        Conversation g = group("alice", "bob", "carol");

        assertThat(g.kind()).isEqualTo(Conversation.Kind.GROUP);
        assertThat(g.id()).startsWith("g:");
        assertThat(g.members()).containsExactly("alice", "bob", "carol");
        assertThat(g.admins()).containsExactly("alice");
        assertThat(stored(g.id())).isEqualTo(g);
        assertThat(f.router.announced()).extracting(InboxEntry::userId).containsExactly("alice", "bob", "carol");
        assertThat(f.router.announced()).allSatisfy(e -> {
            assertThat(change(e).change()).isEqualTo("created");
            assertThat(change(e).actorId()).isEqualTo("alice");
        });
        assertThat(await(conversations.list("bob"))).containsExactly(g);
    }

    @Test
    void aGroupWithAnUnknownUserIsNotCreated() {
        assertFailsWith(conversations.createGroup("alice", "x", List.of("bob", "zed")), ErrorCode.USER_NOT_FOUND);
        assertThat(await(conversations.list("alice"))).isEmpty();
        assertThat(f.router.announced()).isEmpty();
    }

    @Test
    void aGroupLargerThanTheLimitIsRefused() {
        assertFailsWith(conversations.createGroup("alice", "x", List.of("bob", "carol", "dave", "erin")),
                ErrorCode.GROUP_FULL);
        // The creator counts, and naming them again does not.
        assertThat(group("alice", "alice", "bob", "carol", "dave").members()).hasSize(MAX_MEMBERS);
    }

    @Test
    void addingNeedsTheConsentOfEachUserByTheirGroupAddSetting() {
        await(f.contactStore.setGroupAddPolicy("bob", GroupAddPolicy.NOBODY));
        await(f.contactStore.setGroupAddPolicy("carol", GroupAddPolicy.CONTACTS));

        assertFailsWith(conversations.createGroup("alice", "x", List.of("bob")), ErrorCode.ADD_NOT_ALLOWED);
        assertFailsWith(conversations.createGroup("alice", "x", List.of("carol")), ErrorCode.ADD_NOT_ALLOWED);
        // carol has alice in her contacts (one way: alice having carol would not do).
        await(f.contactStore.addContact("alice", "carol"));
        assertFailsWith(conversations.createGroup("alice", "x", List.of("carol")), ErrorCode.ADD_NOT_ALLOWED);
        await(f.contactStore.addContact("carol", "alice"));
        assertThat(group("alice", "carol").members()).containsExactly("alice", "carol");

        Conversation g = group("alice", "dave");
        assertFailsWith(conversations.addMembers("alice", g.id(), List.of("bob")), ErrorCode.ADD_NOT_ALLOWED);
        assertThat(stored(g.id()).members()).containsExactly("alice", "dave");
        assertThat(await(conversations.list("bob"))).isEmpty();
    }

    @Test
    void aDirectConversationIsOpenedOnceFromEitherSide() {
        Conversation first = await(conversations.openDirect("alice", "bob"));
        Conversation again = await(conversations.openDirect("bob", "alice"));

        assertThat(again).isEqualTo(first);
        assertThat(first.id()).isEqualTo(Conversation.directId("alice", "bob"));
        assertThat(first.kind()).isEqualTo(Conversation.Kind.DIRECT);
        assertThat(f.router.announced()).extracting(InboxEntry::userId).containsExactly("alice", "bob");
        assertFailsWith(conversations.openDirect("alice", "alice"), ErrorCode.INVALID_FIELD);
        assertFailsWith(conversations.openDirect("alice", "zed"), ErrorCode.USER_NOT_FOUND);
    }

    @Test
    void aDirectConversationCannotBeChanged() {
        Conversation d = await(conversations.openDirect("alice", "bob"));
        assertFailsWith(conversations.rename("alice", d.id(), "us"), ErrorCode.NOT_A_GROUP);
        assertFailsWith(conversations.addMembers("alice", d.id(), List.of("carol")), ErrorCode.NOT_A_GROUP);
        assertFailsWith(conversations.leave("alice", d.id()), ErrorCode.NOT_A_GROUP);
    }

    // ---- changing

    @Test
    void onlyAdminsRenameAddRemoveAndPromote() {
        Conversation g = group("alice", "bob", "carol");

        assertFailsWith(conversations.rename("bob", g.id(), "mine"), ErrorCode.FORBIDDEN);
        assertFailsWith(conversations.addMembers("bob", g.id(), List.of("dave")), ErrorCode.FORBIDDEN);
        assertFailsWith(conversations.removeMember("bob", g.id(), "carol"), ErrorCode.FORBIDDEN);
        assertFailsWith(conversations.promote("bob", g.id(), "bob"), ErrorCode.FORBIDDEN);
        assertThat(stored(g.id())).isEqualTo(g);

        Conversation promoted = await(conversations.promote("alice", g.id(), "bob"));
        assertThat(promoted.admins()).containsExactly("alice", "bob");
        Conversation renamed = await(conversations.rename("bob", g.id(), "bob's"));
        assertThat(renamed.name()).isEqualTo("bob's");
        assertThat(renamed.version()).isEqualTo(g.version() + 2);
        assertThat(stored(g.id())).isEqualTo(renamed);
    }

    @Test
    void aChangeIsAnnouncedToTheMembersWithOnlyWhatChanged() {
        Conversation g = group("alice", "bob");
        f.router.clear();

        Conversation after = await(conversations.addMembers("alice", g.id(), List.of("carol", "bob")));

        assertThat(after.members()).containsExactly("alice", "bob", "carol");
        assertThat(f.router.announced()).extracting(InboxEntry::userId).containsExactly("alice", "bob", "carol");
        assertThat(f.router.announced()).extracting(ConversationServiceTest::change).containsOnly(
                new InboxEvent.MembershipChanged(g.id(), "added", "alice", List.of("carol"), null, after.version()));
        assertThat(f.router.announced()).as("what was announced is what the store wrote")
                .allSatisfy(e -> assertThat(await(f.store.readInbox(e.userId(), e.cursor() - 1, 1)))
                        .containsExactly(e));
    }

    @Test
    void aChangeThatChangesNothingWritesNothing() {
        Conversation g = group("alice", "bob");
        f.router.clear();

        assertThat(await(conversations.rename("alice", g.id(), "friends"))).isEqualTo(g);
        assertThat(await(conversations.addMembers("alice", g.id(), List.of("bob")))).isEqualTo(g);
        assertThat(await(conversations.promote("alice", g.id(), "alice"))).isEqualTo(g);

        assertThat(f.router.announced()).isEmpty();
        assertThat(await(f.store.inboxHead("bob"))).isEqualTo(1);
    }

    @Test
    void addingBeyondTheLimitIsRefused() {
        Conversation g = group("alice", "bob", "carol");
        assertFailsWith(conversations.addMembers("alice", g.id(), List.of("dave", "erin")), ErrorCode.GROUP_FULL);
        assertThat(stored(g.id()).members()).containsExactly("alice", "bob", "carol");
        assertThat(await(conversations.addMembers("alice", g.id(), List.of("dave"))).members()).hasSize(MAX_MEMBERS);
    }

    @Test
    void removingSomeoneWhoIsNotAMemberFails() {
        Conversation g = group("alice", "bob");
        assertFailsWith(conversations.removeMember("alice", g.id(), "carol"), ErrorCode.USER_NOT_FOUND);
        assertFailsWith(conversations.promote("alice", g.id(), "carol"), ErrorCode.USER_NOT_FOUND);
    }

    @Test
    void aRemovedMemberIsToldAndLosesTheConversation() {
        Conversation g = group("alice", "bob", "carol");
        f.router.clear();

        Conversation after = await(conversations.removeMember("alice", g.id(), "bob"));

        assertThat(after.members()).containsExactly("alice", "carol");
        assertThat(f.router.announcedTo("bob")).singleElement()
                .satisfies(e -> assertThat(change(e).change()).isEqualTo("removed"));
        assertThat(await(conversations.list("bob"))).isEmpty();
        assertFailsWith(conversations.requireMember(g.id(), "bob"), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    // ---- leaving

    @Test
    void whenTheLastAdminLeavesTheLongestStandingMemberBecomesAdmin() {
        Conversation g = group("alice", "bob", "carol");
        await(conversations.addMembers("alice", g.id(), List.of("dave")));

        Conversation after = await(conversations.leave("alice", g.id()));

        assertThat(after.members()).containsExactly("bob", "carol", "dave");
        assertThat(after.admins()).containsExactly("bob");
        assertThat(f.router.announcedTo("alice")).last()
                .satisfies(e -> assertThat(change(e).change()).isEqualTo("left"));
        // The new admin may now change the group.
        assertThat(await(conversations.rename("bob", g.id(), "bob's")).name()).isEqualTo("bob's");
    }

    @Test
    void anyMemberMayLeaveButOnlyOnce() {
        Conversation g = group("alice", "bob", "carol");
        assertThat(await(conversations.leave("carol", g.id())).admins()).containsExactly("alice");
        assertFailsWith(conversations.leave("carol", g.id()), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    // ---- churn

    @Test
    void changesBeyondThePerMinuteLimitAreRateLimitedUntilTheNextMinute() {
        Conversation g = group("alice", "bob", "carol"); // creating counts for alice
        await(conversations.rename("alice", g.id(), "one"));
        await(conversations.rename("alice", g.id(), "two"));

        assertFailsWith(conversations.rename("alice", g.id(), "three"), ErrorCode.RATE_LIMITED);
        assertThat(stored(g.id()).name()).isEqualTo("two");
        // Leaving is never refused.
        assertThat(await(conversations.leave("carol", g.id())).members()).containsExactly("alice", "bob");

        f.clock.advance(Duration.ofMinutes(1));
        assertThat(await(conversations.rename("alice", g.id(), "three")).name()).isEqualTo("three");
    }

    @Test
    void theBudgetIsCountedPerGroupAndPerActingUser() {
        Conversation g = group("alice", "bob"); // alice: 1
        await(conversations.promote("alice", g.id(), "bob")); // alice: 2, the group: 1
        await(conversations.rename("bob", g.id(), "one")); // bob: 1, the group: 2
        await(conversations.rename("bob", g.id(), "two")); // bob: 2, the group: 3

        // The group's budget is spent, whoever asks; alice's own is not.
        assertFailsWith(conversations.rename("alice", g.id(), "three"), ErrorCode.RATE_LIMITED);
        Conversation other = await(conversations.createGroup("alice", "other", List.of("carol"))); // alice: 3
        // Now alice's own budget is spent, in a group that has room.
        assertFailsWith(conversations.rename("alice", other.id(), "renamed"), ErrorCode.RATE_LIMITED);
        assertThat(stored(other.id()).name()).isEqualTo("other");
    }

    // ---- who learns what

    @Test
    void unknownAndForeignConversationsLookTheSame() {
        Conversation g = group("alice", "bob");
        assertFailsWith(conversations.requireMember(g.id(), "carol"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFailsWith(conversations.requireMember("g:nothing", "carol"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFailsWith(conversations.rename("carol", g.id(), "mine"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(conversations.requireMember(g.id(), "bob"))).isEqualTo(g);
    }
}
