package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.client.CursorStore;
import dev.parley.client.HistoryRequest;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.PresenceEvent;
import dev.parley.protocol.ServerFrame.PresenceView;
import dev.parley.protocol.ServerFrame.TypingEvent;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract: presence, contacts and typing. Users who share a conversation, or whom the subject has
 * in their contacts, may subscribe to the subject's presence: online, or offline with a last-seen
 * time, shown by the subject's privacy setting ({@code contacts}: only to the subject's own
 * contacts; {@code nobody}: to no one). A subscriber who no longer shares a conversation stops
 * getting presence. Typing indicators reach the other members and are never stored.
 */
public abstract class PresenceContract extends ContractSupport {

    @Test
    void aContactSeesOnlineThenOfflineWithLastSeenThenOnlineAgain() {
        Device aDevice = users.newDevice("alice");
        Client a = users.connect(aDevice);
        Client b = users.newClient("bob");
        direct(a, b);

        List<PresenceView> now = join(b.sdk().subscribePresence(List.of(a.name())));
        assertThat(now).singleElement().satisfies(v -> {
            assertThat(v.user()).isEqualTo(a.name());
            assertThat(v.online()).isTrue();
        });

        long before = System.currentTimeMillis();
        a.sdk().close();
        eventually().untilAsserted(() -> assertThat(b.events().presence(a.name()))
                .anySatisfy(p -> assertThat(p.online()).isFalse()));
        long after = System.currentTimeMillis();
        PresenceEvent offline = b.events().presence(a.name()).stream().filter(p -> !p.online()).findFirst().orElseThrow();
        assertThat(offline.lastSeen()).as("last seen of a contact who allows it").isNotNull()
                .isBetween(before - 5_000, after + 5_000);
        PresenceView rest = join(users.rest(b.device()).presence(b.device().token(), a.name()));
        assertThat(rest.online()).isFalse();
        assertThat(rest.lastSeen()).isNotNull();

        int seen = b.events().presence(a.name()).size();
        users.connect(aDevice);
        eventually().untilAsserted(() -> assertThat(b.events().presence(a.name()).subList(seen,
                b.events().presence(a.name()).size())).anySatisfy(p -> assertThat(p.online()).isTrue()));
        assertThat(join(users.rest(b.device()).presence(b.device().token(), a.name())).online()).isTrue();
    }

    @Test
    void aSilentConnectionTimesOutAndItsUserGoesOffline() {
        Device aDevice = users.newDevice("alice");
        RawSocket silent = users.raw(aDevice);
        long start = System.nanoTime();
        long heartbeat = silent.awaitType("welcome").path("heartbeatSeconds").asLong();
        assumeTrue(heartbeat > 0 && heartbeat <= 15, "heartbeat timeout " + heartbeat + " s is too long to wait for");
        Client b = users.newClient("bob");
        join(b.sdk().openDirect(aDevice.name()));
        assertThat(join(b.sdk().subscribePresence(List.of(aDevice.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());

        // The raw socket sends nothing, not even pings: the server must give up on it.
        assertThat(silent.awaitClose()).as("going away").isEqualTo(1001);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(waitedMs).as("not closed before the heartbeat timeout").isGreaterThanOrEqualTo(heartbeat * 1000 / 2);
        eventually().untilAsserted(() -> assertThat(b.events().presence(aDevice.name()))
                .anySatisfy(p -> assertThat(p.online()).isFalse()));
        assertThat(b.sdk().isConnected()).as("a client that heartbeats stays connected").isTrue();
        assertThat(b.events().all(RecordingListener.Disconnected.class)).isEmpty();
    }

    @Test
    void aUserIsOnlineWhileAnyDeviceIsConnectedAndTypingSkipsTheirOtherDevices() {
        TestUsers.User alice = users.register("alice");
        Client a1 = users.connect(users.login(alice));
        Client a2 = users.connect(users.login(alice));
        Client b = users.newClient("bob");
        String conv = direct(a1, b);
        assertThat(join(b.sdk().subscribePresence(List.of(alice.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());

        join(a1.sdk().typing(conv, true));
        eventually().untilAsserted(() -> assertThat(b.events().typing()).hasSize(1));
        // Sentinel: Bob's typing, which reaches Alice's devices after anything her own typing sent them.
        join(b.sdk().typing(conv, true));
        TypingEvent bobTypes = new TypingEvent(conv, b.name(), "start");
        eventually().untilAsserted(() -> assertThat(a2.events().typing()).contains(bobTypes));
        assertThat(a2.events().typing()).as("typing is not relayed to the typist's own devices").containsExactly(bobTypes);

        a1.sdk().close();
        // Presence is not in the inbox and a close is not answered: no later event is ordered after
        // the one that must not come, so this waits a fixed time (see ContractSupport#quietPeriod).
        quietPeriod();
        assertThat(b.events().presence(alice.name())).as("still online on the other device").isEmpty();

        a2.sdk().close();
        eventually().untilAsserted(() -> assertThat(b.events().presence(alice.name()))
                .singleElement().satisfies(p -> assertThat(p.online()).isFalse()));
    }

    @Test
    void subscribingToAStrangerIsForbidden() {
        Client a = users.newClient("alice");
        Client stranger = users.newClient("eve");

        assertFails(stranger.sdk().subscribePresence(List.of(a.name())), ErrorCode.FORBIDDEN);
        assertFails(stranger.sdk().subscribePresence(List.of(TestUsers.uniqueName("ghost"))), ErrorCode.FORBIDDEN);
        // One stranger in the list fails the whole request: nothing is subscribed, not even the contact.
        Client contact = users.newClient("carol");
        direct(stranger, contact);
        assertFails(stranger.sdk().subscribePresence(List.of(contact.name(), a.name())), ErrorCode.FORBIDDEN);
        a.sdk().close();
        contact.sdk().close();
        quietPeriod();
        assertThat(stranger.events().all(PresenceEvent.class)).isEmpty();
    }

    @Test
    void lastSeenPrivacyNobodyHidesOnlineAndLastSeen() {
        Device aDevice = users.newDevice("alice");
        Client a = users.connect(aDevice);
        Client b = users.newClient("bob");
        direct(a, b);
        assertThat(join(b.sdk().subscribePresence(List.of(a.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());

        join(a.sdk().setLastSeenPrivacy("nobody"));

        assertThat(join(b.sdk().subscribePresence(List.of(a.name())))).singleElement().satisfies(v -> {
            assertThat(v.online()).isFalse();
            assertThat(v.lastSeen()).isNull();
        });
        PresenceView rest = join(users.rest(b.device()).presence(b.device().token(), a.name()));
        assertThat(rest.online()).isFalse();
        assertThat(rest.lastSeen()).isNull();
        PresenceView self = join(users.rest(aDevice).presence(aDevice.token(), a.name()));
        assertThat(self.online()).as("the user still sees their own presence").isTrue();

        int seen = b.events().presence(a.name()).size();
        a.sdk().close();
        quietPeriod();
        assertThat(b.events().presence(a.name()).subList(seen, b.events().presence(a.name()).size()))
                .as("events about a user who hides presence reveal nothing")
                .allSatisfy(p -> {
                    assertThat(p.online()).isFalse();
                    assertThat(p.lastSeen()).isNull();
                });

        Client aAgain = users.connect(aDevice);
        join(aAgain.sdk().setLastSeenPrivacy("everyone"));
        PresenceView visible = join(users.rest(b.device()).presence(b.device().token(), a.name()));
        assertThat(visible.online()).isTrue();
    }

    @Test
    void lastSeenPrivacyContactsShowsPresenceOnlyToTheSubjectsContacts() {
        Device aDevice = users.newDevice("alice");
        Client a = users.connect(aDevice);
        Client friend = users.newClient("bob");
        Client stranger = users.newClient("eve");
        join(a.sdk().setLastSeenPrivacy("contacts"));
        join(a.sdk().addContact(friend.name()));
        // The stranger opens a direct conversation with alice without asking: that is no contact.
        direct(stranger, a);
        direct(friend, a);

        assertThat(join(stranger.sdk().subscribePresence(List.of(a.name())))).singleElement().satisfies(v -> {
            assertThat(v.online()).as("hidden from a stranger with an open conversation").isFalse();
            assertThat(v.lastSeen()).isNull();
        });
        assertThat(join(friend.sdk().subscribePresence(List.of(a.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());
        PresenceView forStranger = join(users.rest(stranger.device()).presence(stranger.device().token(), a.name()));
        assertThat(forStranger.online()).isFalse();
        assertThat(forStranger.lastSeen()).isNull();
        assertThat(join(users.rest(friend.device()).presence(friend.device().token(), a.name())).online()).isTrue();

        a.sdk().close();
        eventually().untilAsserted(() -> assertThat(friend.events().presence(a.name()))
                .anySatisfy(p -> {
                    assertThat(p.online()).isFalse();
                    assertThat(p.lastSeen()).isNotNull();
                }));
        Client aAgain = users.connect(aDevice);
        eventually().untilAsserted(() -> assertThat(friend.events().presence(a.name()))
                .anySatisfy(p -> assertThat(p.online()).isTrue()));
        quietPeriod();
        assertThat(stranger.events().presence(a.name())).as("not even the moment of a change reaches a stranger")
                .isEmpty();
        PresenceView stillHidden = join(users.rest(stranger.device()).presence(stranger.device().token(), a.name()));
        assertThat(stillHidden.online()).isFalse();
        assertThat(stillHidden.lastSeen()).isNull();

        join(aAgain.sdk().setLastSeenPrivacy("everyone"));
        assertThat(join(users.rest(stranger.device()).presence(stranger.device().token(), a.name())).online()).isTrue();
        assertFails(aAgain.sdk().setLastSeenPrivacy("friends"), ErrorCode.INVALID_FIELD);
    }

    @Test
    void aRemovedMemberStopsGettingPresence() {
        Device aDevice = users.newDevice("alice");
        Client a = users.connect(aDevice);
        Client owner = users.newClient("olga");
        Client c = users.newClient("carol");
        acceptGroupAddsFrom(owner, a, c);
        String g = join(owner.sdk().createGroup("watchers", List.of(a.name(), c.name()))).conv();
        assertThat(join(c.sdk().subscribePresence(List.of(a.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());
        assertThat(join(owner.sdk().subscribePresence(List.of(a.name())))).singleElement()
                .satisfies(v -> assertThat(v.online()).isTrue());

        join(owner.sdk().removeMember(g, c.name()));
        a.sdk().close();
        eventually().untilAsserted(() -> assertThat(owner.events().presence(a.name()))
                .anySatisfy(p -> assertThat(p.online()).isFalse()));
        users.connect(aDevice);
        eventually().untilAsserted(() -> assertThat(owner.events().presence(a.name()))
                .anySatisfy(p -> assertThat(p.online()).isTrue()));
        quietPeriod();
        assertThat(c.events().presence(a.name())).as("nothing after carol left the only shared conversation")
                .isEmpty();
        assertFails(c.sdk().subscribePresence(List.of(a.name())), ErrorCode.FORBIDDEN);
    }

    @Test
    void contactsAreAddedListedAndRemovedOverWebSocketAndRest() {
        Client a = users.newClient("alice");
        Client b = users.newClient("bob");
        Client c = users.newClient("carol");
        join(a.sdk().addContact(c.name()));
        join(a.sdk().addContact(b.name()));
        join(a.sdk().addContact(b.name()));  // idempotent
        assertThat(join(a.sdk().listContacts())).containsExactly(b.name(), c.name());
        assertThat(join(b.sdk().listContacts())).as("contacts are one way").isEmpty();
        assertThat(join(users.rest(a.device()).contacts(a.device().token()))).containsExactly(b.name(), c.name());

        join(users.rest(a.device()).removeContact(a.device().token(), b.name()));
        assertThat(join(a.sdk().listContacts())).containsExactly(c.name());
        join(a.sdk().removeContact(c.name()));
        join(a.sdk().removeContact(c.name()));  // idempotent
        join(users.rest(a.device()).addContact(a.device().token(), b.name()));
        assertThat(join(a.sdk().listContacts())).containsExactly(b.name());

        assertFails(a.sdk().addContact(TestUsers.uniqueName("ghost")), ErrorCode.USER_NOT_FOUND);
        assertRestFails(users.rest(a.device()).addContact(a.device().token(), TestUsers.uniqueName("ghost")),
                ErrorCode.USER_NOT_FOUND);
        assertFails(a.sdk().addContact(a.name()), ErrorCode.INVALID_FIELD);
    }

    @Test
    void typingReachesTheOtherMemberAndIsNeverStored() {
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        Client b = users.connect(bDevice);
        String conv = direct(a, b);

        join(a.sdk().typing(conv, true));
        eventually().untilAsserted(() -> assertThat(b.events().typing())
                .containsExactly(new TypingEvent(conv, a.name(), "start")));
        join(a.sdk().typing(conv, false));
        eventually().untilAsserted(() -> assertThat(b.events().typing())
                .containsExactly(new TypingEvent(conv, a.name(), "start"), new TypingEvent(conv, a.name(), "stop")));

        b.sdk().close();
        join(a.sdk().typing(conv, true));
        assertThat(join(a.sdk().history(conv, HistoryRequest.latest(50))).messages()).isEmpty();
        assertThat(join(users.rest(bDevice).history(bDevice.token(), conv, HistoryRequest.latest(50))).messages())
                .isEmpty();

        Client bAgain = users.connect(bDevice, CursorStore.inMemory());
        // Sentinels: live typing each way, which comes after anything queued or echoed before it.
        join(a.sdk().typing(conv, false));
        TypingEvent aStops = new TypingEvent(conv, a.name(), "stop");
        eventually().untilAsserted(() -> assertThat(bAgain.events().typing()).contains(aStops));
        join(bAgain.sdk().typing(conv, true));
        TypingEvent bTypes = new TypingEvent(conv, b.name(), "start");
        eventually().untilAsserted(() -> assertThat(a.events().typing()).contains(bTypes));
        assertThat(bAgain.events().typing()).as("typing is not queued for offline devices").containsExactly(aStops);
        assertThat(bAgain.events().messages(conv)).isEmpty();
        assertThat(a.events().typing()).as("the typist does not get its own indicator").containsExactly(bTypes);
    }
}
