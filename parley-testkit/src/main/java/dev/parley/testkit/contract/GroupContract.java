package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.contract.TestUsers.Client;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Contract: groups. Every member gets each message once and all members see one order; membership
 * changes reach the members they concern; a removed member stops receiving and learns nothing more
 * about the group; the configured group size limit holds.
 */
public abstract class GroupContract extends ContractSupport {

    @Test
    void everyMemberGetsEachMessageOnceInTheSameOrder() {
        List<Client> members = List.of(users.newClient("alice"), users.newClient("bob"), users.newClient("carol"),
                users.newClient("dave"));
        Client a = members.get(0);
        ConversationView view = join(a.sdk().createGroup("four", members.subList(1, 4).stream().map(Client::name).toList()));
        String g = view.conv();
        assertThat(view.kind()).isEqualTo("group");
        assertThat(view.members()).containsExactlyInAnyOrderElementsOf(members.stream().map(Client::name).toList());

        // All four send at once, so their messages interleave.
        int perMember = 10;
        List<CompletableFuture<Sent>> sends = new ArrayList<>();
        for (int i = 1; i <= perMember; i++) {
            for (Client m : members) {
                sends.add(m.sdk().send(g, m.name() + "-" + i));
            }
        }
        int total = perMember * members.size();
        List<Long> seqs = sends.stream().map(f -> join(f).seq()).sorted().toList();
        assertThat(seqs).containsExactlyElementsOf(range(1, total));

        for (Client m : members) {
            eventually().untilAsserted(() -> assertThat(m.events().messages(g)).hasSize(total));
        }
        quietPeriod();
        List<MessageView> reference = members.get(0).events().messages(g);
        assertThat(reference).extracting(MessageView::seq).containsExactlyElementsOf(range(1, total));
        for (Client m : members) {
            List<MessageView> got = m.events().messages(g);
            assertThat(got).as("%s sees the same messages in the same order", m.name())
                    .extracting(MessageView::msgId).containsExactlyElementsOf(reference.stream().map(MessageView::msgId).toList());
            // each sender's own messages keep the order in which it sent them
            for (Client sender : members) {
                assertThat(got).filteredOn(v -> v.from().equals(sender.name())).extracting(MessageView::body)
                        .containsExactlyElementsOf(bodiesOf(sender.name(), perMember));
            }
        }
    }

    @Test
    void membershipChangesReachTheMembersTheyConcern() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        Client d = users.newClient("dave");
        ConversationView created = join(a.sdk().createGroup("team", List.of(b.name(), c.name())));
        String g = created.conv();
        assertThat(created.name()).isEqualTo("team");
        assertThat(created.createdBy()).isEqualTo(a.name());
        for (Client m : List.of(a, b, c)) {
            eventually().untilAsserted(() -> assertThat(m.events().memberships(g)).extracting(MembershipEvent::change)
                    .containsExactly("created"));
        }
        MembershipEvent createdEvent = b.events().memberships(g).get(0);
        assertThat(createdEvent.actor()).isEqualTo(a.name());
        assertThat(createdEvent.conversation().members()).containsExactlyInAnyOrder(a.name(), b.name(), c.name());
        assertThat(createdEvent.conversation().name()).isEqualTo("team");
        assertThat(createdEvent.users()).as("created concerns every member")
                .containsExactlyInAnyOrder(a.name(), b.name(), c.name());

        join(b.sdk().renameGroup(g, "dream team"));
        for (Client m : List.of(a, b, c)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("renamed"));
            assertThat(last(m, g).actor()).isEqualTo(b.name());
            assertThat(last(m, g).conversation().name()).isEqualTo("dream team");
            assertThat(last(m, g).users()).isEmpty();
        }

        join(a.sdk().addMembers(g, List.of(d.name())));
        for (Client m : List.of(a, b, c, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("added"));
            assertThat(last(m, g).users()).containsExactly(d.name());
            assertThat(last(m, g).conversation().members()).containsExactlyInAnyOrder(a.name(), b.name(), c.name(), d.name());
        }

        join(b.sdk().addMembers(g, List.of(d.name(), c.name())));  // all members already: nothing happens

        join(a.sdk().removeMember(g, c.name()));
        for (Client m : List.of(a, b, c, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("removed"));
            assertThat(last(m, g).users()).containsExactly(c.name());
            assertThat(last(m, g).actor()).isEqualTo(a.name());
            assertThat(last(m, g).conversation().members()).containsExactlyInAnyOrder(a.name(), b.name(), d.name());
        }

        join(d.sdk().leaveGroup(g));
        for (Client m : List.of(a, b, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("left"));
            assertThat(last(m, g).users()).containsExactly(d.name());
            assertThat(last(m, g).actor()).isEqualTo(d.name());
            assertThat(last(m, g).conversation().members()).containsExactlyInAnyOrder(a.name(), b.name());
        }
        quietPeriod();
        assertThat(a.events().memberships(g)).extracting(MembershipEvent::change)
                .containsExactly("created", "renamed", "added", "removed", "left");
        assertThat(c.events().memberships(g)).as("nothing after carol was removed").extracting(MembershipEvent::change)
                .containsExactly("created", "renamed", "added", "removed");
        assertThat(d.events().memberships(g)).extracting(MembershipEvent::change)
                .containsExactly("added", "removed", "left");

        ConversationView now = join(b.sdk().listConversations()).stream().filter(v -> v.conv().equals(g))
                .findFirst().orElseThrow();
        assertThat(now.name()).isEqualTo("dream team");
        assertThat(now.members()).containsExactlyInAnyOrder(a.name(), b.name());
        assertThat(join(d.sdk().listConversations())).extracting(ConversationView::conv).doesNotContain(g);
    }

    @Test
    void aRemovedMemberNoLongerReceivesAndLearnsNothingMore() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        String g = join(a.sdk().createGroup("shrinking", List.of(b.name(), c.name()))).conv();
        join(a.sdk().send(g, "before"));
        eventually().untilAsserted(() -> assertThat(c.events().bodies(g)).containsExactly("before"));

        join(a.sdk().removeMember(g, c.name()));
        eventually().untilAsserted(() -> assertThat(last(c, g).change()).isEqualTo("removed"));
        join(a.sdk().send(g, "after"));
        join(b.sdk().send(g, "after too"));
        eventually().untilAsserted(() -> assertThat(b.events().bodies(g)).contains("after", "after too"));
        quietPeriod();
        assertThat(c.events().bodies(g)).containsExactly("before");

        assertFails(c.sdk().send(g, "let me back"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFails(c.sdk().history(g, HistoryRequest.latest(10)), ErrorCode.CONVERSATION_NOT_FOUND);
        assertRestFails(users.rest(c.device()).history(c.device().token(), g, HistoryRequest.latest(10)),
                ErrorCode.CONVERSATION_NOT_FOUND);
        assertFails(c.sdk().markRead(g, 1), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFails(c.sdk().typing(g, true), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFails(c.sdk().messageInfo(g, 1), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFails(c.sdk().addMembers(g, List.of(c.name())), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(join(c.sdk().listConversations())).extracting(ConversationView::conv).doesNotContain(g);
        assertThat(join(a.sdk().history(g, HistoryRequest.latest(10))).messages()).extracting(MessageView::body)
                .containsExactly("before", "after", "after too");
    }

    @Test
    void onlyTheCreatorRemovesOthersAndOnlyGroupsChange() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        String g = join(a.sdk().createGroup("rules", List.of(b.name(), c.name()))).conv();
        String d = direct(a, b);

        assertFails(b.sdk().removeMember(g, c.name()), ErrorCode.FORBIDDEN);
        assertFails(a.sdk().renameGroup(d, "not a group"), ErrorCode.NOT_A_GROUP);
        assertFails(a.sdk().addMembers(d, List.of(c.name())), ErrorCode.NOT_A_GROUP);
        assertFails(a.sdk().createGroup("ghosts", List.of(TestUsers.uniqueName("ghost"))), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().addMembers(g, List.of(TestUsers.uniqueName("ghost"))), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().removeMember(g, TestUsers.uniqueName("ghost")), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().leaveGroup(d), ErrorCode.NOT_A_GROUP);
        ConversationView solo = join(a.sdk().createGroup("just me", List.of(a.name())));
        assertThat(solo.members()).as("the creator alone; listing yourself is harmless").containsExactly(a.name());

        // The creator may leave; the group goes on, but nobody can remove others any more.
        join(a.sdk().leaveGroup(g));
        assertFails(b.sdk().removeMember(g, c.name()), ErrorCode.FORBIDDEN);
        join(b.sdk().send(g, "still here"));
        assertFails(a.sdk().send(g, "let me back"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(join(c.sdk().listConversations())).filteredOn(v -> v.conv().equals(g)).singleElement()
                .satisfies(v -> assertThat(v.members()).containsExactlyInAnyOrder(b.name(), c.name()));
    }

    @Test
    void concurrentChangesAreAppliedInOneOrderThatEveryMemberSees() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        List<String> newcomers = List.of(users.register("carol").name(), users.register("dave").name(),
                users.register("erin").name());
        String g = join(a.sdk().createGroup("busy", List.of(b.name()))).conv();

        List<CompletableFuture<Void>> changes = List.of(
                a.sdk().addMembers(g, List.of(newcomers.get(0))),
                b.sdk().addMembers(g, List.of(newcomers.get(1))),
                a.sdk().renameGroup(g, "by alice"),
                b.sdk().renameGroup(g, "by bob"),
                b.sdk().addMembers(g, List.of(newcomers.get(2))));
        changes.forEach(ContractSupport::join);

        ConversationView fin = join(a.sdk().listConversations()).stream().filter(v -> v.conv().equals(g))
                .findFirst().orElseThrow();
        assertThat(fin.members()).containsExactlyInAnyOrder(a.name(), b.name(), newcomers.get(0), newcomers.get(1),
                newcomers.get(2));
        assertThat(fin.name()).isIn("by alice", "by bob");
        for (Client m : List.of(a, b)) {
            eventually().untilAsserted(() -> assertThat(m.events().memberships(g)).hasSize(6));
        }
        List<MembershipEvent> seenByA = a.events().memberships(g);
        List<MembershipEvent> seenByB = b.events().memberships(g);
        assertThat(seenByA).extracting(MembershipEvent::change)
                .containsExactlyInAnyOrder("created", "added", "added", "added", "renamed", "renamed");
        assertThat(seenByA.get(0).change()).isEqualTo("created");
        assertThat(seenByB).as("both members see the same changes in the same order")
                .extracting(e -> e.change() + " " + e.users() + " " + e.conversation().name() + " "
                        + new java.util.TreeSet<>(e.conversation().members()))
                .containsExactlyElementsOf(seenByA.stream().map(e -> e.change() + " " + e.users() + " "
                        + e.conversation().name() + " " + new java.util.TreeSet<>(e.conversation().members())).toList());
        MembershipEvent lastEvent = seenByA.get(5);
        assertThat(lastEvent.conversation().name()).isEqualTo(fin.name());
        assertThat(lastEvent.conversation().members()).containsExactlyInAnyOrderElementsOf(fin.members());
        // each change builds on the one before it: membership only grows here, one user at a time
        for (int i = 1; i < seenByA.size(); i++) {
            List<String> before = seenByA.get(i - 1).conversation().members();
            List<String> after = seenByA.get(i).conversation().members();
            assertThat(after).containsAll(before);
            assertThat(after.size() - before.size()).isEqualTo(seenByA.get(i).change().equals("added") ? 1 : 0);
        }
    }

    @Test
    void aMemberRemovedWhileMessagesFlowGetsAPrefixAndNothingAfterItsRemoval() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        String g = join(a.sdk().createGroup("racing", List.of(b.name(), c.name()))).conv();
        List<CompletableFuture<Sent>> sends = new ArrayList<>();
        CompletableFuture<Void> removal = null;
        for (int i = 1; i <= 40; i++) {
            sends.add(a.sdk().send(g, "m-" + i));
            if (i == 10) {
                removal = a.sdk().removeMember(g, c.name());
            }
        }
        join(removal);
        sends.forEach(ContractSupport::join);
        eventually().untilAsserted(() -> assertThat(b.events().messages(g)).hasSize(40));
        eventually().untilAsserted(() -> assertThat(c.events().memberships(g)).extracting(MembershipEvent::change)
                .contains("removed"));
        quietPeriod();

        List<Object> timeline = c.events().timeline();
        int removedAt = -1;
        for (int i = 0; i < timeline.size(); i++) {
            if (timeline.get(i) instanceof MembershipEvent m && m.conv().equals(g) && m.change().equals("removed")) {
                removedAt = i;
            }
        }
        List<Long> seqsBefore = new ArrayList<>();
        for (int i = 0; i < timeline.size(); i++) {
            if (timeline.get(i) instanceof RecordingListener.Message m && m.message().conv().equals(g)) {
                assertThat(i).as("no message after the removal").isLessThan(removedAt);
                seqsBefore.add(m.message().seq());
            }
        }
        assertThat(seqsBefore).as("the removed member got a gap-free prefix").containsExactlyElementsOf(
                range(1, seqsBefore.size()));
    }

    @Test
    void aLateMemberSeesTheWholeHistoryButOnlyNewMessagesInItsInbox() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client late = users.newClient("dave");
        String g = join(a.sdk().createGroup("history", List.of(b.name()))).conv();
        sendAll(a, g, bodies("early", 3));

        join(b.sdk().addMembers(g, List.of(late.name())));
        Sent after = join(a.sdk().send(g, "welcome dave"));

        eventually().untilAsserted(() -> assertThat(late.events().bodies(g)).containsExactly("welcome dave"));
        assertThat(after.seq()).isEqualTo(4);
        assertThat(late.events().memberships(g)).extracting(MembershipEvent::change).containsExactly("added");
        assertThat(join(late.sdk().history(g, HistoryRequest.afterSeq(0, 10))).messages()).extracting(MessageView::body)
                .containsExactly("early-1", "early-2", "early-3", "welcome dave");
    }

    @Test
    void groupSizeLimitHolds() {
        int max = limits().maxGroupMembers();
        assumeTrue(max <= 12, "the deployment's group limit (" + max + ") is too large to test cheaply");
        Client a = users.newClient("owner");
        List<String> others = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            others.add(users.register("member").name());
        }

        assertFails(a.sdk().createGroup("too big", others), ErrorCode.GROUP_FULL);
        ConversationView full = join(a.sdk().createGroup("just right", others.subList(0, max - 1)));
        assertThat(full.members()).hasSize(max);
        assertFails(a.sdk().addMembers(full.conv(), List.of(others.get(max - 1))), ErrorCode.GROUP_FULL);
        join(a.sdk().removeMember(full.conv(), others.get(0)));
        join(a.sdk().addMembers(full.conv(), List.of(others.get(max - 1))));
        assertThat(join(a.sdk().listConversations())).filteredOn(v -> v.conv().equals(full.conv())).singleElement()
                .satisfies(v -> assertThat(v.members()).hasSize(max).contains(others.get(max - 1)));
    }

    private static MembershipEvent last(Client m, String conv) {
        List<MembershipEvent> all = m.events().memberships(conv);
        return all.isEmpty() ? new MembershipEvent(0, conv, "none", "", List.of(), null, 0) : all.get(all.size() - 1);
    }

    private static List<String> bodiesOf(String name, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(name + "-" + i);
        }
        return out;
    }
}
