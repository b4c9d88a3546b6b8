package dev.parley.testkit.store.memory;

import dev.parley.core.contact.ContactStore;
import dev.parley.core.contact.GroupAddPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The contact port in memory, for unit tests of the services: every promise of
 * {@link ContactStore} except durability, checked by the same {@code ContactStoreContract} as
 * the adapters. Calls are linearizable (one lock) and answer with completed stages; null
 * arguments throw at once.
 */
public final class InMemoryContactStore implements ContactStore {
    /** owner → contacts, sorted by user id as the port lists them. */
    private final Map<String, Set<String>> contacts = new HashMap<>();
    private final Map<String, GroupAddPolicy> groupAddPolicies = new HashMap<>();

    @Override
    public synchronized CompletionStage<Boolean> addContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return done(contacts.computeIfAbsent(ownerId, o -> new TreeSet<>()).add(contactId));
    }

    @Override
    public synchronized CompletionStage<Boolean> removeContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        Set<String> mine = contacts.get(ownerId);
        return done(mine != null && mine.remove(contactId));
    }

    @Override
    public synchronized CompletionStage<List<String>> contactsOf(String ownerId) {
        Objects.requireNonNull(ownerId, "ownerId");
        return done(List.copyOf(contacts.getOrDefault(ownerId, Set.of())));
    }

    @Override
    public synchronized CompletionStage<Boolean> hasContact(String ownerId, String contactId) {
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(contactId, "contactId");
        return done(contacts.getOrDefault(ownerId, Set.of()).contains(contactId));
    }

    @Override
    public synchronized CompletionStage<GroupAddPolicy> groupAddPolicy(String userId) {
        Objects.requireNonNull(userId, "userId");
        return done(groupAddPolicies.getOrDefault(userId, GroupAddPolicy.DEFAULT));
    }

    @Override
    public synchronized CompletionStage<Void> setGroupAddPolicy(String userId, GroupAddPolicy policy) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(policy, "policy");
        groupAddPolicies.put(userId, policy);
        return done(null);
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
