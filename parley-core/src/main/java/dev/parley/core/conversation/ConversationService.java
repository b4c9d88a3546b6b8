package dev.parley.core.conversation;

import dev.parley.core.Ids;
import dev.parley.core.account.AccountStore;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.ConversationWrite;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Direct conversations and groups: creation, renaming, membership. Every change is written with
 * its membership events in one atomic store call and then announced through the router.
 *
 * <p>Rules: any member may rename a group or add members; only the group's creator may remove
 * someone else; anyone may leave. Unknown and foreign conversations both fail with
 * {@code CONVERSATION_NOT_FOUND}, so a non-member learns nothing about a conversation.
 */
public final class ConversationService {
    /** Retries of an optimistic update that lost a race with a concurrent change. */
    private static final int UPDATE_ATTEMPTS = 8;

    private final MessageStore store;
    private final AccountStore accounts;
    private final MessageRouter router;
    private final Clock clock;
    private final int maxGroupMembers;

    public ConversationService(MessageStore store, AccountStore accounts, MessageRouter router, Clock clock,
                               int maxGroupMembers) {
        this.store = store;
        this.accounts = accounts;
        this.router = router;
        this.clock = clock;
        this.maxGroupMembers = maxGroupMembers;
    }

    /** The conversation if {@code userId} is a member; else fails with CONVERSATION_NOT_FOUND. */
    public CompletionStage<Conversation> requireMember(String conversationId, String userId) {
        return store.findConversation(conversationId).thenApply(c -> c.filter(conv -> conv.hasMember(userId))
                .orElseThrow(() -> notFound(conversationId)));
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
                    List.of(userId, otherId), userId, clock.instant(), 1);
            return store.createConversation(c, userId).thenApply(this::publish);
        });
    }

    /** Creates a group of the creator and {@code members}. */
    public CompletionStage<Conversation> createGroup(String userId, String name, Collection<String> members) {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add(userId);
        all.addAll(members);
        if (all.size() > maxGroupMembers) {
            return CompletableFuture.failedFuture(groupFull());
        }
        return requireUsers(members).thenCompose(v -> {
            Conversation c = new Conversation("g:" + Ids.random(12), Conversation.Kind.GROUP, name, List.copyOf(all),
                    userId, clock.instant(), 1);
            return store.createConversation(c, userId).thenApply(this::publish);
        });
    }

    public CompletionStage<Conversation> rename(String userId, String conversationId, String name) {
        return update(conversationId, userId, c -> {
            Conversation next = new Conversation(c.id(), c.kind(), name, c.members(), c.createdBy(), c.createdAt(),
                    c.version() + 1);
            return new Change(next, "renamed", List.of(), c.members());
        });
    }

    public CompletionStage<Conversation> addMembers(String userId, String conversationId, List<String> users) {
        return requireUsers(users).thenCompose(v -> update(conversationId, userId, c -> {
            LinkedHashSet<String> members = new LinkedHashSet<>(c.members());
            List<String> added = users.stream().filter(u -> !members.contains(u)).toList();
            members.addAll(added);
            if (members.size() > maxGroupMembers) {
                throw groupFull();
            }
            if (added.isEmpty()) {
                return null;
            }
            Conversation next = new Conversation(c.id(), c.kind(), c.name(), List.copyOf(members), c.createdBy(),
                    c.createdAt(), c.version() + 1);
            return new Change(next, "added", added, List.copyOf(members));
        }));
    }

    public CompletionStage<Conversation> removeMember(String userId, String conversationId, String target) {
        return update(conversationId, userId, c -> {
            if (!userId.equals(target) && !userId.equals(c.createdBy())) {
                throw new ParleyException(ErrorCode.FORBIDDEN, "only the group's creator may remove members");
            }
            if (!c.hasMember(target)) {
                throw new ParleyException(ErrorCode.USER_NOT_FOUND, "\"" + target + "\" is not a member");
            }
            List<String> rest = c.members().stream().filter(m -> !m.equals(target)).toList();
            Conversation next = new Conversation(c.id(), c.kind(), c.name(), rest, c.createdBy(), c.createdAt(),
                    c.version() + 1);
            return new Change(next, userId.equals(target) ? "left" : "removed", List.of(target), c.members());
        });
    }

    public CompletionStage<Conversation> leave(String userId, String conversationId) {
        return removeMember(userId, conversationId, userId);
    }

    /** A computed change; null from the function means nothing to do. */
    private record Change(Conversation next, String kind, List<String> users, List<String> recipients) {
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
            InboxEvent.MembershipChanged event = new InboxEvent.MembershipChanged(c.id(), ch.kind(), userId, ch.users(),
                    ch.next());
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
        publish(w.inboxEntries());
        return w.conversation();
    }

    /** Announces written inbox entries to whoever holds the users' connections. */
    public void publish(Map<String, InboxEntry> entries) {
        publish(entries.values());
    }

    /** Announces written inbox entries, unless the store announces what it writes itself. */
    public void publish(Collection<InboxEntry> entries) {
        if (store.announcesEntries()) {
            return;
        }
        for (InboxEntry e : entries) {
            router.inboxAppended(e);
        }
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

    private ParleyException groupFull() {
        return new ParleyException(ErrorCode.GROUP_FULL, "a group has at most " + maxGroupMembers + " members");
    }

    public static ParleyException notFound(String conversationId) {
        return new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "no conversation \"" + conversationId + "\"");
    }
}
