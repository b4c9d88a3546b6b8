package dev.parley.core.conversation;

import dev.parley.core.Ids;
import dev.parley.core.account.AccountStore;
import dev.parley.core.contact.ContactService;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.InboxPublisher;
import dev.parley.core.message.Membership;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Direct conversations and groups: creation, renaming, membership, admins. Every change is
 * written with its membership entries in one atomic store call and then published through the
 * {@link InboxPublisher}, the one exit of inbox entries. An entry carries only the change (who, the new name, the new version), never the member
 * list, so a change costs each inbox the same few bytes whatever the group's size.
 *
 * <p>Policy (docs/PROTOCOL.md, "Groups"): the creator is a group's first admin; only admins may
 * rename, add members, remove others and promote members to admin; anyone may leave; when the
 * last admin leaves, the longest-standing remaining member becomes admin. Adding a user needs
 * their consent by their group-add setting ({@code ADD_NOT_ALLOWED} otherwise). Changes are
 * rate limited per conversation and per acting user ({@code RATE_LIMITED}); leaving never is.
 * Unknown and foreign conversations both fail with {@code CONVERSATION_NOT_FOUND}, so a
 * non-member learns nothing about a conversation.
 */
public final class ConversationService implements Membership {
    /** Retries of an optimistic update that lost a race with a concurrent change. */
    private static final int UPDATE_ATTEMPTS = 8;

    private final ConversationStore store;
    private final AccountStore accounts;
    private final ContactService contacts;
    private final InboxPublisher inbox;
    private final Clock clock;
    private final int maxGroupMembers;
    private final ChangeRateLimiter churn;

    /**
     * @param clock                      creation times of conversations
     * @param ticker                     monotonic nanoseconds, for the windows of the change limit
     * @param membershipChangesPerMinute changes admitted per conversation and per acting user in
     *                                   each minute (creating a group counts for its creator)
     */
    public ConversationService(ConversationStore store, AccountStore accounts, ContactService contacts,
                               InboxPublisher inbox, Clock clock, LongSupplier ticker, int maxGroupMembers,
                               int membershipChangesPerMinute) {
        this.store = store;
        this.accounts = accounts;
        this.contacts = contacts;
        this.inbox = inbox;
        this.clock = clock;
        this.maxGroupMembers = maxGroupMembers;
        this.churn = new ChangeRateLimiter(ticker, membershipChangesPerMinute);
    }

    /** The conversation if {@code userId} is a member; else fails with CONVERSATION_NOT_FOUND. */
    public CompletionStage<Conversation> requireMember(String conversationId, String userId) {
        return store.findConversation(conversationId).thenApply(c -> c.filter(conv -> conv.hasMember(userId))
                .orElseThrow(() -> notFound(conversationId)));
    }

    @Override
    public CompletionStage<List<String>> membersFor(String conversationId, String userId) {
        return requireMember(conversationId, userId).thenApply(Conversation::members);
    }

    public CompletionStage<List<Conversation>> list(String userId) {
        return store.conversationsOf(userId);
    }

    /** Opens the direct conversation between the two users, creating it on first use. */
    public CompletionStage<Conversation> openDirect(String userId, String otherId) {
        if (userId.equals(otherId)) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_FIELD,
                    "a direct conversation needs another user"));
        }
        return requireUsers(List.of(otherId)).thenCompose(v -> {
            Conversation c = new Conversation(Conversation.directId(userId, otherId), Conversation.Kind.DIRECT, "",
                    List.of(userId, otherId), userId, clock.instant(), 1, List.of());
            return store.createConversation(c, userId).thenApply(this::publish);
        });
    }

    /** Creates a group of the creator (its admin) and {@code members}, each of whom must allow it. */
    public CompletionStage<Conversation> createGroup(String userId, String name, Collection<String> members) {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add(userId);
        all.addAll(members);
        if (all.size() > maxGroupMembers) {
            return CompletableFuture.failedFuture(groupFull());
        }
        List<String> others = all.stream().filter(u -> !u.equals(userId)).toList();
        return requireUsers(others).thenCompose(v -> requireConsent(userId, others)).thenCompose(v -> {
            if (!churn.tryAcquire(List.of(userKey(userId)))) {
                throw rateLimited();
            }
            Conversation c = new Conversation("g:" + Ids.random(12), Conversation.Kind.GROUP, name, List.copyOf(all),
                    userId, clock.instant(), 1, List.of(userId));
            return store.createConversation(c, userId).thenApply(this::publish);
        });
    }

    /** Renames a group; admins only. Renaming to the current name changes nothing. */
    public CompletionStage<Conversation> rename(String userId, String conversationId, String name) {
        return update(conversationId, userId, c -> {
            requireAdmin(c, userId, "rename the group");
            if (c.name().equals(name)) {
                return null;
            }
            return new Change(c.next(name, c.members(), c.admins()), "renamed", List.of(), name, c.members());
        });
    }

    /** Adds users to a group; admins only, and each new member must allow the caller to add them. */
    public CompletionStage<Conversation> addMembers(String userId, String conversationId, List<String> users) {
        return requireUsers(users)
                .thenCompose(v -> requireMember(conversationId, userId))
                .thenCompose(current -> {
                    List<String> newcomers = users.stream().filter(u -> !current.hasMember(u)).toList();
                    if (current.kind() == Conversation.Kind.GROUP && current.isAdmin(userId)) {
                        return requireConsent(userId, newcomers).thenApply(v -> newcomers);
                    }
                    // The update below refuses with the right code (NOT_A_GROUP, FORBIDDEN).
                    return CompletableFuture.completedFuture(newcomers);
                })
                .thenCompose(consented -> update(conversationId, userId, c -> {
                    requireAdmin(c, userId, "add members");
                    LinkedHashSet<String> members = new LinkedHashSet<>(c.members());
                    // Only users whose consent was checked: one who was a member then and left since is skipped.
                    List<String> added = users.stream().filter(u -> !members.contains(u) && consented.contains(u))
                            .toList();
                    members.addAll(added);
                    if (members.size() > maxGroupMembers) {
                        throw groupFull();
                    }
                    if (added.isEmpty()) {
                        return null;
                    }
                    List<String> after = List.copyOf(members);
                    return new Change(c.next(c.name(), after, c.admins()), "added", added, null, after);
                }));
    }

    /** Removes a member: an admin may remove anyone, anyone may remove themself (leave). */
    public CompletionStage<Conversation> removeMember(String userId, String conversationId, String target) {
        return update(conversationId, userId, c -> {
            boolean leaving = userId.equals(target);
            if (!leaving) {
                requireAdmin(c, userId, "remove members");
            }
            if (!c.hasMember(target)) {
                throw new ParleyException(ErrorCode.USER_NOT_FOUND, "\"" + target + "\" is not a member");
            }
            List<String> rest = c.members().stream().filter(m -> !m.equals(target)).toList();
            List<String> admins = c.admins().stream().filter(a -> !a.equals(target)).toList();
            if (admins.isEmpty() && !rest.isEmpty()) {
                admins = List.of(rest.get(0));  // never leave a group without an admin
            }
            return new Change(c.next(c.name(), rest, admins), leaving ? "left" : "removed", List.of(target), null,
                    c.members());
        });
    }

    public CompletionStage<Conversation> leave(String userId, String conversationId) {
        return removeMember(userId, conversationId, userId);
    }

    /** Makes a member an admin; admins only. Promoting an admin changes nothing. */
    public CompletionStage<Conversation> promote(String userId, String conversationId, String target) {
        return update(conversationId, userId, c -> {
            requireAdmin(c, userId, "promote members");
            if (!c.hasMember(target)) {
                throw new ParleyException(ErrorCode.USER_NOT_FOUND, "\"" + target + "\" is not a member");
            }
            if (c.isAdmin(target)) {
                return null;
            }
            List<String> admins = new ArrayList<>(c.admins());
            admins.add(target);
            return new Change(c.next(c.name(), c.members(), admins), "promoted", List.of(target), null, c.members());
        });
    }

    /** A computed change; null from the function means nothing to do. */
    private record Change(Conversation next, String kind, List<String> users, String name, List<String> recipients) {
    }

    private CompletionStage<Conversation> update(String conversationId, String userId,
                                                 Function<Conversation, Change> change) {
        return attempt(conversationId, userId, change, UPDATE_ATTEMPTS);
    }

    private CompletionStage<Conversation> attempt(String conversationId, String userId,
                                                  Function<Conversation, Change> change, int attemptsLeft) {
        return requireMember(conversationId, userId).thenCompose(c -> {
            if (c.kind() != Conversation.Kind.GROUP) {
                throw new ParleyException(ErrorCode.NOT_A_GROUP, "direct conversations cannot be changed");
            }
            Change ch = change.apply(c);
            if (ch == null) {
                return CompletableFuture.completedFuture(c);
            }
            // Counted once per request, not per retry; leaving is never refused.
            if (attemptsLeft == UPDATE_ATTEMPTS && !"left".equals(ch.kind())
                    && !churn.tryAcquire(List.of(conversationKey(c.id()), userKey(userId)))) {
                throw rateLimited();
            }
            InboxEvent.MembershipChanged event = new InboxEvent.MembershipChanged(c.id(), ch.kind(), userId, ch.users(),
                    ch.name(), ch.next().version());
            return store.updateConversation(ch.next(), event, ch.recipients()).thenCompose(w -> {
                if (w.applied()) {
                    return CompletableFuture.completedFuture(publish(w));
                }
                if (attemptsLeft <= 1) {
                    throw new ParleyException(ErrorCode.UNAVAILABLE, "conversation is changing too often; retry");
                }
                return attempt(conversationId, userId, change, attemptsLeft - 1);
            });
        });
    }

    private Conversation publish(ConversationWrite w) {
        inbox.publish(w.inboxEntries());
        return w.conversation();
    }

    private CompletionStage<Void> requireUsers(Collection<String> users) {
        List<CompletableFuture<Optional<dev.parley.core.account.User>>> lookups = new ArrayList<>();
        for (String u : users) {
            lookups.add(accounts.findUser(u).toCompletableFuture());
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenRun(() -> {
            int i = 0;
            for (String u : users) {
                if (lookups.get(i++).join().isEmpty()) {
                    throw new ParleyException(ErrorCode.USER_NOT_FOUND, "no user \"" + u + "\"");
                }
            }
        });
    }

    /** Fails with ADD_NOT_ALLOWED naming the first user whose group-add setting refuses the actor. */
    private CompletionStage<Void> requireConsent(String actorId, List<String> targets) {
        List<CompletableFuture<Boolean>> checks = new ArrayList<>();
        for (String t : targets) {
            checks.add(contacts.mayAddToGroup(actorId, t).toCompletableFuture());
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenRun(() -> {
            for (int i = 0; i < targets.size(); i++) {
                if (!checks.get(i).join()) {
                    throw new ParleyException(ErrorCode.ADD_NOT_ALLOWED, "\"" + targets.get(i)
                            + "\" does not allow you to add them to groups");
                }
            }
        });
    }

    private static void requireAdmin(Conversation c, String userId, String what) {
        if (!c.isAdmin(userId)) {
            throw new ParleyException(ErrorCode.FORBIDDEN, "only an admin of the group may " + what);
        }
    }

    private ParleyException rateLimited() {
        return new ParleyException(ErrorCode.RATE_LIMITED, "too many membership changes; at most "
                + churn.perMinute() + " a minute per group and per user");
    }

    private static String conversationKey(String conversationId) {
        return "c:" + conversationId;
    }

    private static String userKey(String userId) {
        return "u:" + userId;
    }

    private ParleyException groupFull() {
        return new ParleyException(ErrorCode.GROUP_FULL, "a group has at most " + maxGroupMembers + " members");
    }

    public static ParleyException notFound(String conversationId) {
        return new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "no conversation \"" + conversationId + "\"");
    }
}
