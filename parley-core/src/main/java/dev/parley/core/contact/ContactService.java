package dev.parley.core.contact;

import dev.parley.core.account.AccountStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Contact lists and the group-add setting. A contact is one-way and chosen by its owner; it is
 * what "contacts" means for last-seen privacy ({@code lastSeen: contacts} shows presence to the
 * users the subject has in their contacts) and for {@code groupAdd: contacts}.
 *
 * <p>A list holds at most {@code maxContacts} users. The bound is checked before the write, so
 * concurrent adds by one owner may overshoot it by at most the number of adds in flight.
 */
public final class ContactService {
    private final ContactStore store;
    private final AccountStore accounts;
    private final int maxContacts;

    public ContactService(ContactStore store, AccountStore accounts, int maxContacts) {
        if (maxContacts < 1) {
            throw new IllegalArgumentException("maxContacts must be at least 1, was " + maxContacts);
        }
        this.store = store;
        this.accounts = accounts;
        this.maxContacts = maxContacts;
    }

    /**
     * Adds {@code contactId} to the owner's contacts; idempotent. Fails with {@code USER_NOT_FOUND}
     * for an unknown user, {@code INVALID_FIELD} for the owner themself and {@code CONTACTS_FULL}
     * when the list is full.
     */
    public CompletionStage<Void> add(String ownerId, String contactId) {
        if (ownerId.equals(contactId)) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_FIELD,
                    "you cannot add yourself as a contact"));
        }
        return accounts.findUser(contactId).thenCompose(u -> {
            if (u.isEmpty()) {
                throw new ParleyException(ErrorCode.USER_NOT_FOUND, "no user \"" + contactId + "\"");
            }
            return store.contactsOf(ownerId);
        }).thenCompose(current -> {
            if (current.contains(contactId)) {
                return CompletableFuture.completedFuture(null);
            }
            if (current.size() >= maxContacts) {
                throw new ParleyException(ErrorCode.CONTACTS_FULL, "a contact list holds at most " + maxContacts
                        + " users");
            }
            return store.addContact(ownerId, contactId).thenApply(added -> null);
        });
    }

    /** Removes {@code contactId} from the owner's contacts; idempotent. */
    public CompletionStage<Void> remove(String ownerId, String contactId) {
        return store.removeContact(ownerId, contactId).thenApply(removed -> null);
    }

    public CompletionStage<List<String>> list(String ownerId) {
        return store.contactsOf(ownerId);
    }

    public CompletionStage<Boolean> hasContact(String ownerId, String contactId) {
        return store.hasContact(ownerId, contactId);
    }

    public CompletionStage<Void> setGroupAddPolicy(String userId, GroupAddPolicy policy) {
        return store.setGroupAddPolicy(userId, policy);
    }

    /** Whether {@code actorId} may add {@code targetId} to a group, by the target's setting. */
    public CompletionStage<Boolean> mayAddToGroup(String actorId, String targetId) {
        if (actorId.equals(targetId)) {
            return CompletableFuture.completedFuture(true);
        }
        return store.groupAddPolicy(targetId).thenCompose(p -> switch (p) {
            case EVERYONE -> CompletableFuture.completedFuture(true);
            case NOBODY -> CompletableFuture.completedFuture(false);
            case CONTACTS -> store.hasContact(targetId, actorId);
        });
    }

    public int maxContacts() {
        return maxContacts;
    }
}
