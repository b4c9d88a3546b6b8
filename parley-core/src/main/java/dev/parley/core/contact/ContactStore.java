package dev.parley.core.contact;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Port: each user's contact list (the users they chose, one way: alice having bob says nothing
 * about bob having alice) and who may add them to groups. Adds and removes are idempotent and
 * say whether they changed anything; a completed write is durable and visible to every later
 * read (the contract suite, {@code ContactStoreContract}, checks these promises). Every method is
 * asynchronous and never blocks the caller's thread; null arguments are programming errors;
 * other failures complete the stage exceptionally (a {@link dev.parley.protocol.ParleyException}
 * with {@code UNAVAILABLE} when the backing store cannot be reached). The store does not check
 * that users exist and does not bound the list: {@link ContactService} does both.
 */
public interface ContactStore {

    /** Adds {@code contactId} to {@code ownerId}'s contacts; completes with false when it was there already. */
    CompletionStage<Boolean> addContact(String ownerId, String contactId);

    /** Removes {@code contactId} from {@code ownerId}'s contacts; completes with false when it was not there. */
    CompletionStage<Boolean> removeContact(String ownerId, String contactId);

    /** {@code ownerId}'s contacts, sorted by user id; empty when none. */
    CompletionStage<List<String>> contactsOf(String ownerId);

    /** Whether {@code contactId} is in {@code ownerId}'s contacts. */
    CompletionStage<Boolean> hasContact(String ownerId, String contactId);

    /** The user's group-add setting; {@link GroupAddPolicy#DEFAULT} when never set. */
    CompletionStage<GroupAddPolicy> groupAddPolicy(String userId);

    /** Stores the user's group-add setting. */
    CompletionStage<Void> setGroupAddPolicy(String userId, GroupAddPolicy policy);
}
