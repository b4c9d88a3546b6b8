package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.client.ParleyClientException;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Contract: groups. Every member gets each message once and all members see one order; membership
 * changes reach the members they concern and carry only the change, never the member list; only
 * admins change a group and anyone may leave; adding a user needs their consent; churn is rate
 * limited; a removed member stops receiving and learns nothing more about the group; the
 * configured group size limit holds.
 *
 * <p>One contract per feature, as the other contracts: every mode's suite extends it whole, so
 * its length is the number of promises groups make, each a test.
 */
public abstract class GroupContract extends ContractSupport {

    @Test
    void everyMemberGetsEachMessageOnceInTheSameOrder() {
        List<Client> members = List.of(users.newClient("alice"), users.newClient("bob"), users.newClient("carol"),
                users.newClient("dave"));
        Client a = members.get(0);
        acceptGroupAddsFrom(a, members.get(1), members.get(2), members.get(3));
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

        Sent sentinel = sentinel(a, g, members.toArray(Client[]::new));
        List<MessageView> reference = messagesBefore(members.get(0), g, sentinel);
        assertThat(reference).extracting(MessageView::seq).containsExactlyElementsOf(range(1, total));
        for (Client m : members) {
            List<MessageView> got = messagesBefore(m, g, sentinel);
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
        acceptGroupAddsFrom(a, b, c, d);
        ConversationView created = join(a.sdk().createGroup("team", List.of(b.name(), c.name())));
        String g = created.conv();
        assertThat(created.name()).isEqualTo("team");
        assertThat(created.createdBy()).isEqualTo(a.name());
        assertThat(created.admins()).as("the creator is the first admin").containsExactly(a.name());
        for (Client m : List.of(a, b, c)) {
            eventually().untilAsserted(() -> assertThat(m.events().memberships(g)).extracting(MembershipEvent::change)
                    .containsExactly("created"));
        }
        MembershipEvent createdEvent = b.events().memberships(g).get(0);
        assertThat(createdEvent.actor()).isEqualTo(a.name());
        assertThat(createdEvent.name()).isEqualTo("team");
        assertThat(createdEvent.version()).isEqualTo(created.version());
        assertThat(createdEvent.users()).as("an event never carries the member list").isEmpty();
        assertThat(join(b.sdk().getConversation(g)).members()).as("the full state is one request away")
                .containsExactlyInAnyOrder(a.name(), b.name(), c.name());

        join(a.sdk().renameGroup(g, "dream team"));
        for (Client m : List.of(a, b, c)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("renamed"));
            assertThat(last(m, g).actor()).isEqualTo(a.name());
            assertThat(last(m, g).name()).isEqualTo("dream team");
            assertThat(last(m, g).users()).isEmpty();
            assertThat(last(m, g).version()).isEqualTo(created.version() + 1);
        }

        join(a.sdk().addMembers(g, List.of(d.name())));
        for (Client m : List.of(a, b, c, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("added"));
            assertThat(last(m, g).users()).containsExactly(d.name());
            assertThat(last(m, g).name()).as("only a rename carries the name").isNull();
        }

        join(a.sdk().addMembers(g, List.of(d.name(), c.name())));  // all members already: nothing happens

        join(a.sdk().removeMember(g, c.name()));
        for (Client m : List.of(a, b, c, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("removed"));
            assertThat(last(m, g).users()).containsExactly(c.name());
            assertThat(last(m, g).actor()).isEqualTo(a.name());
        }

        join(d.sdk().leaveGroup(g));
        for (Client m : List.of(a, b, d)) {
            eventually().untilAsserted(() -> assertThat(last(m, g).change()).isEqualTo("left"));
            assertThat(last(m, g).users()).containsExactly(d.name());
            assertThat(last(m, g).actor()).isEqualTo(d.name());
            assertThat(last(m, g).version()).isEqualTo(created.version() + 4);
        }
        // Carol and Dave are out of the group: their sentinels come through a conversation with Alice.
        sentinel(a, g, a, b);
        sentinel(a, direct(a, c), c);
        sentinel(a, direct(a, d), d);
        assertThat(a.events().memberships(g)).extracting(MembershipEvent::change)
                .containsExactly("created", "renamed", "added", "removed", "left");
        assertThat(c.events().memberships(g)).as("nothing after carol was removed").extracting(MembershipEvent::change)
                .containsExactly("created", "renamed", "added", "removed");
        assertThat(d.events().memberships(g)).extracting(MembershipEvent::change)
                .containsExactly("added", "removed", "left");

        ConversationView now = join(b.sdk().getConversation(g));
        assertThat(now.name()).isEqualTo("dream team");
        assertThat(now.members()).containsExactlyInAnyOrder(a.name(), b.name());
        assertThat(now.version()).isEqualTo(created.version() + 4);
        assertThat(join(d.sdk().listConversations())).extracting(ConversationView::conv).doesNotContain(g);
        assertFails(d.sdk().getConversation(g), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(join(users.rest(b.device()).conversation(b.device().token(), g))).isEqualTo(now);
        assertRestFails(users.rest(d.device()).conversation(d.device().token(), g), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    @Test
    void aRenameStormCostsEachMemberTheSameFewBytesWhateverTheGroupSize() {
        int max = Math.min(limits().maxGroupMembers(), 12);
        Client a = users.newClient("alice");
        Device watcherSmall = users.newDevice("small");
        Device watcherBig = users.newDevice("big");
        List<String> crowd = new ArrayList<>();
        for (int i = 0; i < max - 2; i++) {
            crowd.add(users.register("crowd").name());
        }
        acceptGroupAddsFrom(a, List.of(watcherSmall.name(), watcherBig.name()));
        acceptGroupAddsFrom(a, crowd);
        String small = join(a.sdk().createGroup("s", List.of(watcherSmall.name()))).conv();
        List<String> bigMembers = new ArrayList<>(crowd);
        bigMembers.add(watcherBig.name());
        String big = join(a.sdk().createGroup("b", bigMembers)).conv();
        RawSocket rawSmall = users.raw(watcherSmall);
        RawSocket rawBig = users.raw(watcherBig);
        rawSmall.request(RawSocket.object().put("type", "sync").put("id", "s"));
        rawBig.request(RawSocket.object().put("type", "sync").put("id", "s"));

        int renames = 4;
        for (int i = 1; i <= renames; i++) {
            join(a.sdk().renameGroup(small, "storm " + i));
            join(a.sdk().renameGroup(big, "storm " + i));
        }
        List<Integer> smallSizes = renameFrameSizes(rawSmall, renames);
        List<Integer> bigSizes = renameFrameSizes(rawBig, renames);
        // The two conversation ids have the same length, so the frames differ only in digits of cursor and time.
        for (int i = 0; i < renames; i++) {
            assertThat(Math.abs(bigSizes.get(i) - smallSizes.get(i)))
                    .as("a rename in a group of %d costs what one in a group of 2 does", max).isLessThanOrEqualTo(8);
            assertThat(bigSizes.get(i)).as("a rename entry stays small").isLessThan(400);
        }
    }

    private static List<Integer> renameFrameSizes(RawSocket raw, int count) {
        List<Integer> sizes = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= count; i++) {
            String name = "storm " + i;
            com.fasterxml.jackson.databind.JsonNode f = raw.awaitFrame(from, n -> n.path("type").asText().equals("membership")
                    && n.path("name").asText().equals(name), "the rename to " + name);
            assertThat(f.has("conversation")).isFalse();
            assertThat(f.has("members")).isFalse();
            sizes.add(f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
        return sizes;
    }

    @Test
    void onlyAdminsRenameAddRemoveAndPromoteAndAnyoneMayLeave() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        Client d = users.newClient("dave");
        acceptGroupAddsFrom(a, b, c, d);
        acceptGroupAddsFrom(b, d);
        String g = join(a.sdk().createGroup("rules", List.of(b.name(), c.name()))).conv();

        assertFails(b.sdk().renameGroup(g, "mine now"), ErrorCode.FORBIDDEN);
        assertFails(b.sdk().addMembers(g, List.of(d.name())), ErrorCode.FORBIDDEN);
        assertFails(b.sdk().removeMember(g, c.name()), ErrorCode.FORBIDDEN);
        assertFails(b.sdk().promoteAdmin(g, b.name()), ErrorCode.FORBIDDEN);
        ConversationView unchanged = join(c.sdk().getConversation(g));
        assertThat(unchanged.name()).isEqualTo("rules");
        assertThat(unchanged.members()).containsExactlyInAnyOrder(a.name(), b.name(), c.name());

        ConversationView promoted = join(a.sdk().promoteAdmin(g, b.name()));
        assertThat(promoted.admins()).containsExactly(a.name(), b.name());
        eventually().untilAsserted(() -> assertThat(last(c, g).change()).isEqualTo("promoted"));
        assertThat(last(c, g).users()).containsExactly(b.name());
        join(b.sdk().renameGroup(g, "by bob"));
        join(b.sdk().addMembers(g, List.of(d.name())));
        join(c.sdk().leaveGroup(g));  // a plain member may always leave

        // When the last admin leaves, the longest-standing member becomes admin.
        join(a.sdk().leaveGroup(g));
        join(b.sdk().leaveGroup(g));
        ConversationView rest = join(d.sdk().getConversation(g));
        assertThat(rest.members()).containsExactly(d.name());
        assertThat(rest.admins()).containsExactly(d.name());
        join(d.sdk().renameGroup(g, "dave's now"));
    }

    @Test
    void addingAUserWhoDoesNotAllowItIsRefused() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        acceptGroupAddsFrom(a, b);
        // carol's default is "contacts", and alice is not one of hers.
        assertFails(a.sdk().createGroup("uninvited", List.of(b.name(), c.name())), ErrorCode.ADD_NOT_ALLOWED);
        String g = join(a.sdk().createGroup("invited", List.of(b.name()))).conv();
        assertFails(a.sdk().addMembers(g, List.of(c.name())), ErrorCode.ADD_NOT_ALLOWED);
        assertThat(join(a.sdk().getConversation(g)).members()).doesNotContain(c.name());
        sentinel(a, direct(a, c), c);
        assertThat(c.events().memberships(g)).as("nothing reached carol").isEmpty();
        assertThat(join(c.sdk().listConversations())).extracting(ConversationView::conv).doesNotContain(g);

        join(c.sdk().addContact(a.name()));
        join(a.sdk().addMembers(g, List.of(c.name())));
        join(a.sdk().removeMember(g, c.name()));

        join(c.sdk().setGroupAddPrivacy("nobody"));
        assertFails(a.sdk().addMembers(g, List.of(c.name())), ErrorCode.ADD_NOT_ALLOWED);
        join(c.sdk().setGroupAddPrivacy("everyone"));
        join(c.sdk().removeContact(a.name()));
        join(a.sdk().addMembers(g, List.of(c.name())));
        assertFails(c.sdk().setGroupAddPrivacy("friends"), ErrorCode.INVALID_FIELD);
    }

    @Test
    void membershipChurnIsRateLimitedButLeavingIsNot() {
        Device aDevice = users.newDevice("alice");
        long perMinute = users.raw(aDevice).awaitType("welcome").path("limits").path("membershipChangesPerMinute")
                .asLong();
        assumeTrue(perMinute > 0 && perMinute <= 50, "the deployment's churn limit (" + perMinute
                + " a minute) is too large to test cheaply");
        Client a = users.connect(aDevice);
        Client b = users.newClient("bob");
        acceptGroupAddsFrom(a, b);
        String g = join(a.sdk().createGroup("churn", List.of(b.name()))).conv();
        int renamed = 0;
        ParleyClientException refused = null;
        for (int i = 0; i <= perMinute && refused == null; i++) {
            Throwable failure = a.sdk().renameGroup(g, "name " + i).handle((v, e) -> e).join();
            if (failure == null) {
                renamed++;
            } else {
                refused = (ParleyClientException) (failure instanceof java.util.concurrent.CompletionException
                        ? failure.getCause() : failure);
            }
        }
        assertThat(refused).as("the change after %d in a minute is refused", perMinute).isNotNull();
        assertThat(refused.code()).isEqualTo(ErrorCode.RATE_LIMITED.name());
        assertThat(renamed).as("creating the group counted for alice").isEqualTo((int) perMinute - 1);
        join(b.sdk().leaveGroup(g));
        assertThat(join(a.sdk().getConversation(g)).members()).containsExactly(a.name());
    }

    @Test
    void aRemovedMemberNoLongerReceivesAndLearnsNothingMore() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        acceptGroupAddsFrom(a, b, c);
        String g = join(a.sdk().createGroup("shrinking", List.of(b.name(), c.name()))).conv();
        join(a.sdk().send(g, "before"));
        eventually().untilAsserted(() -> assertThat(c.events().bodies(g)).containsExactly("before"));

        join(a.sdk().removeMember(g, c.name()));
        eventually().untilAsserted(() -> assertThat(last(c, g).change()).isEqualTo("removed"));
        join(a.sdk().send(g, "after"));
        join(b.sdk().send(g, "after too"));
        eventually().untilAsserted(() -> assertThat(b.events().bodies(g)).contains("after", "after too"));
        sentinel(a, direct(a, c), c);
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
    void onlyGroupsChange() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        acceptGroupAddsFrom(a, b, c);
        String g = join(a.sdk().createGroup("rules", List.of(b.name(), c.name()))).conv();
        String d = direct(a, b);

        assertFails(a.sdk().renameGroup(d, "not a group"), ErrorCode.NOT_A_GROUP);
        assertFails(a.sdk().addMembers(d, List.of(c.name())), ErrorCode.NOT_A_GROUP);
        assertFails(a.sdk().createGroup("ghosts", List.of(TestUsers.uniqueName("ghost"))), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().addMembers(g, List.of(TestUsers.uniqueName("ghost"))), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().removeMember(g, TestUsers.uniqueName("ghost")), ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().leaveGroup(d), ErrorCode.NOT_A_GROUP);
        ConversationView solo = join(a.sdk().createGroup("just me", List.of(a.name())));
        assertThat(solo.members()).as("the creator alone; listing yourself is harmless").containsExactly(a.name());
    }

    @Test
    void concurrentChangesAreAppliedInOneOrderThatEveryMemberSees() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        List<String> newcomers = List.of(users.register("carol").name(), users.register("dave").name(),
                users.register("erin").name());
        acceptGroupAddsFrom(a, b);
        acceptGroupAddsFrom(a, newcomers);
        acceptGroupAddsFrom(b, newcomers);
        String g = join(a.sdk().createGroup("busy", List.of(b.name()))).conv();
        join(a.sdk().promoteAdmin(g, b.name()));

        List<CompletableFuture<Void>> changes = List.of(
                a.sdk().addMembers(g, List.of(newcomers.get(0))),
                b.sdk().addMembers(g, List.of(newcomers.get(1))),
                a.sdk().renameGroup(g, "by alice"),
                b.sdk().renameGroup(g, "by bob"),
                b.sdk().addMembers(g, List.of(newcomers.get(2))));
        changes.forEach(ContractSupport::join);

        ConversationView fin = join(a.sdk().getConversation(g));
        assertThat(fin.members()).containsExactlyInAnyOrder(a.name(), b.name(), newcomers.get(0), newcomers.get(1),
                newcomers.get(2));
        assertThat(fin.name()).isIn("by alice", "by bob");
        for (Client m : List.of(a, b)) {
            eventually().untilAsserted(() -> assertThat(m.events().memberships(g)).hasSize(7));
        }
        List<MembershipEvent> seenByA = a.events().memberships(g);
        List<MembershipEvent> seenByB = b.events().memberships(g);
        assertThat(seenByA).extracting(MembershipEvent::change)
                .containsExactlyInAnyOrder("created", "promoted", "added", "added", "added", "renamed", "renamed");
        assertThat(seenByA.get(0).change()).isEqualTo("created");
        assertThat(seenByB).as("both members see the same changes in the same order")
                .extracting(e -> e.change() + " " + e.users() + " " + e.name() + " " + e.version())
                .containsExactlyElementsOf(seenByA.stream().map(e -> e.change() + " " + e.users() + " "
                        + e.name() + " " + e.version()).toList());
        // each change builds on the one before it: one version each, in the order seen
        assertThat(seenByA).extracting(MembershipEvent::version).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(fin.version()).isEqualTo(7);
        String lastName = seenByA.stream().filter(e -> e.change().equals("renamed")).reduce((x, y) -> y)
                .orElseThrow().name();
        assertThat(lastName).isEqualTo(fin.name());
    }

    @Test
    void aMemberRemovedWhileMessagesFlowGetsAPrefixAndNothingAfterItsRemoval() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        acceptGroupAddsFrom(a, b, c);
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
        sentinel(a, direct(a, c), c);

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
        acceptGroupAddsFrom(a, b, late);
        String g = join(a.sdk().createGroup("history", List.of(b.name()))).conv();
        sendAll(a, g, bodies("early", 3));

        join(a.sdk().addMembers(g, List.of(late.name())));
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
        acceptGroupAddsFrom(a, others);

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
        return all.isEmpty() ? new MembershipEvent(0, conv, "none", "", List.of(), null, 0, 0) : all.get(all.size() - 1);
    }

    private static List<String> bodiesOf(String name, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(name + "-" + i);
        }
        return out;
    }
}
