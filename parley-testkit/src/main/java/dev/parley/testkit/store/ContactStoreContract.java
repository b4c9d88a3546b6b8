package dev.parley.testkit.store;

import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.contact.ContactStore;
import dev.parley.core.contact.GroupAddPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link ContactStore}, run against every adapter: contacts are one-way, adds and
 * removes are idempotent and say whether they changed anything, lists are sorted, and the
 * group-add setting defaults to {@code contacts}.
 */
public abstract class ContactStoreContract {
    protected ContactStore store;

    protected abstract ContactStore createStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = createStore();
    }

    @AfterEach
    void close() throws Exception {
        if (store instanceof AutoCloseable c) {
            c.close();
        }
    }

    @Test
    void contactsAreOneWayIdempotentAndSorted() {
        String alice = unique("alice");
        assertThat(await(store.contactsOf(alice))).isEmpty();
        assertThat(await(store.addContact(alice, "carol"))).isTrue();
        assertThat(await(store.addContact(alice, "bob"))).isTrue();
        assertThat(await(store.addContact(alice, "bob"))).as("already there").isFalse();

        assertThat(await(store.contactsOf(alice))).containsExactly("bob", "carol");
        assertThat(await(store.hasContact(alice, "bob"))).isTrue();
        assertThat(await(store.hasContact("bob", alice))).as("one way").isFalse();

        assertThat(await(store.removeContact(alice, "bob"))).isTrue();
        assertThat(await(store.removeContact(alice, "bob"))).isFalse();
        assertThat(await(store.contactsOf(alice))).containsExactly("carol");
        assertThat(await(store.hasContact(alice, "bob"))).isFalse();
    }

    @Test
    void oneUsersContactsAreNotAnothersEvenWithACommonPrefix() {
        String ann = unique("ann");
        await(store.addContact(ann, "bob"));
        await(store.addContact(ann + "e", "carol"));
        assertThat(await(store.contactsOf(ann))).containsExactly("bob");
        assertThat(await(store.contactsOf(ann + "e"))).containsExactly("carol");
    }

    @Test
    void groupAddSettingDefaultsToContactsAndIsStored() {
        String dave = unique("dave");
        assertThat(await(store.groupAddPolicy(dave))).isEqualTo(GroupAddPolicy.CONTACTS);
        await(store.setGroupAddPolicy(dave, GroupAddPolicy.NOBODY));
        assertThat(await(store.groupAddPolicy(dave))).isEqualTo(GroupAddPolicy.NOBODY);
        await(store.setGroupAddPolicy(dave, GroupAddPolicy.EVERYONE));
        assertThat(await(store.groupAddPolicy(dave))).isEqualTo(GroupAddPolicy.EVERYONE);
    }

    private static String unique(String prefix) {
        return prefix + Long.toHexString(System.nanoTime());
    }
}
