package dev.parley.core.presence;

import dev.parley.core.delivery.Views;
import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.ServiceFixture;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The privacy decisions of a presence lookup (what a viewer may see of a subject), on the
 * in-memory stores and presence registry. Subscriptions need a session and are covered by the
 * protocol contract suites.
 */
class PresenceServiceTest {
    private final ServiceFixture f = new ServiceFixture();
    private final PresenceService presence = new PresenceService(f.presence, f.accountStore, f.store, f.contactStore);
    private Instant lastSeen;

    PresenceServiceTest() {
        f.users("alice", "bob", "carol");
        f.openToGroups("alice", "bob", "carol");
        await(f.conversations.createGroup("alice", "g", List.of("bob")));
        // bob was online and left a while ago: his presence has a last-seen time to hide or show.
        await(f.presence.connected("bob", "bob-phone", "s1"));
        f.clock.advance(Duration.ofMinutes(5));
        lastSeen = f.clock.instant();
        await(f.presence.disconnected("bob", "bob-phone", "s1"));
        f.clock.advance(Duration.ofMinutes(5));
    }

    @AfterEach
    void close() {
        f.close();
    }

    private void privacy(String user, LastSeenPrivacy p) {
        User u = await(f.accountStore.findUser(user)).orElseThrow();
        await(f.accountStore.updateUser(u.withPrivacy(p)));
    }

    private ServerFrame.PresenceView lookup(String viewer, String subject) {
        return await(presence.lookup(viewer, subject).thenApply(Views::presence));
    }

    private ServerFrame.PresenceView seen() {
        return new ServerFrame.PresenceView("bob", false, lastSeen.toEpochMilli());
    }

    private static ServerFrame.PresenceView hidden() {
        return new ServerFrame.PresenceView("bob", false, null);
    }

    @Test
    void everyoneShowsPresenceToAnyViewer() {
        privacy("bob", LastSeenPrivacy.EVERYONE);
        assertThat(lookup("alice", "bob")).isEqualTo(seen());
        assertThat(lookup("carol", "bob")).as("no shared conversation is needed for a lookup").isEqualTo(seen());
    }

    @Test
    void contactsShowsPresenceOnlyToTheSubjectsContacts() {
        privacy("bob", LastSeenPrivacy.CONTACTS);
        assertThat(lookup("alice", "bob")).as("a shared conversation is not enough").isEqualTo(hidden());
        await(f.contactStore.addContact("alice", "bob"));
        assertThat(lookup("alice", "bob")).as("alice having bob is not bob having alice").isEqualTo(hidden());
        await(f.contactStore.addContact("bob", "alice"));
        assertThat(lookup("alice", "bob")).isEqualTo(seen());
        assertThat(lookup("carol", "bob")).isEqualTo(hidden());
    }

    @Test
    void nobodyHidesPresenceFromEveryoneButTheSubject() {
        privacy("bob", LastSeenPrivacy.NOBODY);
        await(f.contactStore.addContact("bob", "alice"));
        assertThat(lookup("alice", "bob")).isEqualTo(hidden());
        assertThat(lookup("bob", "bob")).isEqualTo(seen());
    }

    @Test
    void anOnlineSubjectIsShownOnlineWhenVisible() {
        await(f.presence.connected("bob", "bob-laptop", "s1"));
        assertThat(lookup("alice", "bob").online()).isTrue();
        privacy("bob", LastSeenPrivacy.NOBODY);
        assertThat(lookup("alice", "bob")).as("hidden looks like offline, never seen").isEqualTo(hidden());
    }

    @Test
    void anUnknownUserIsNotFound() {
        assertFailsWith(presence.lookup("alice", "zed"), ErrorCode.USER_NOT_FOUND);
    }
}
