package dev.parley.core.contact;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.ServiceFixture;
import dev.parley.protocol.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Contact lists (one way, bounded, idempotent) and the group-add decision they feed. */
class ContactServiceTest {
    private static final int MAX_CONTACTS = 2;

    private final ServiceFixture f = new ServiceFixture(65_536, 16, 20, MAX_CONTACTS);
    private final ContactService contacts = f.contacts;

    ContactServiceTest() {
        f.users("alice", "bob", "carol", "dave");
    }

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void addingIsIdempotentOneWayAndListedSorted() {
        await(contacts.add("alice", "carol"));
        await(contacts.add("alice", "bob"));
        await(contacts.add("alice", "bob"));

        assertThat(await(contacts.list("alice"))).containsExactly("bob", "carol");
        assertThat(await(contacts.hasContact("alice", "bob"))).isTrue();
        assertThat(await(contacts.hasContact("bob", "alice"))).as("one way").isFalse();
        assertThat(await(contacts.list("bob"))).isEmpty();
    }

    @Test
    void unknownUsersAndOneselfCannotBeAdded() {
        assertFailsWith(contacts.add("alice", "zed"), ErrorCode.USER_NOT_FOUND);
        assertFailsWith(contacts.add("alice", "alice"), ErrorCode.INVALID_FIELD);
        assertThat(await(contacts.list("alice"))).isEmpty();
    }

    @Test
    void aFullListRefusesNewContactsButNotOnesItHolds() {
        await(contacts.add("alice", "bob"));
        await(contacts.add("alice", "carol"));

        assertFailsWith(contacts.add("alice", "dave"), ErrorCode.CONTACTS_FULL);
        await(contacts.add("alice", "bob"));
        assertThat(await(contacts.list("alice"))).containsExactly("bob", "carol");

        await(contacts.remove("alice", "bob"));
        await(contacts.add("alice", "dave"));
        assertThat(await(contacts.list("alice"))).containsExactly("carol", "dave");
    }

    @Test
    void removingIsIdempotent() {
        await(contacts.add("alice", "bob"));
        await(contacts.remove("alice", "bob"));
        await(contacts.remove("alice", "bob"));
        await(contacts.remove("alice", "carol"));
        assertThat(await(contacts.list("alice"))).isEmpty();
    }

    @Test
    void whoMayAddWhomToGroupsFollowsTheTargetsSetting() {
        assertThat(await(contacts.mayAddToGroup("alice", "bob"))).as("default: contacts, and alice is not one")
                .isFalse();
        await(contacts.add("alice", "bob"));
        assertThat(await(contacts.mayAddToGroup("alice", "bob"))).as("alice having bob is not bob having alice")
                .isFalse();
        await(contacts.add("bob", "alice"));
        assertThat(await(contacts.mayAddToGroup("alice", "bob"))).isTrue();

        await(contacts.setGroupAddPolicy("bob", GroupAddPolicy.NOBODY));
        assertThat(await(contacts.mayAddToGroup("alice", "bob"))).isFalse();
        await(contacts.setGroupAddPolicy("bob", GroupAddPolicy.EVERYONE));
        assertThat(await(contacts.mayAddToGroup("carol", "bob"))).isTrue();

        await(contacts.setGroupAddPolicy("carol", GroupAddPolicy.NOBODY));
        assertThat(await(contacts.mayAddToGroup("carol", "carol"))).as("one may always add oneself").isTrue();
    }

    @Test
    void theLimitMustAllowAtLeastOneContact() {
        assertThatThrownBy(() -> new ContactService(f.contactStore, f.accountStore, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxContacts");
        assertThat(contacts.maxContacts()).isEqualTo(MAX_CONTACTS);
    }
}
