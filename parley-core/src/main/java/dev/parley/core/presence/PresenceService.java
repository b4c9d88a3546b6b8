package dev.parley.core.presence;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.contact.ContactStore;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence as users see it.
 *
 * <p><b>Who may follow whom.</b> A viewer may subscribe to a subject's presence when the two
 * share a conversation or the subject has the viewer in their contacts. <b>What the viewer
 * sees</b> follows the subject's last-seen privacy: {@code everyone} shows real presence,
 * {@code contacts} only to viewers in the subject's contacts (a shared conversation is not
 * enough: anyone can open a direct conversation), {@code nobody} to no one. Hidden presence looks
 * like "offline, never seen".
 *
 * <p><b>Re-checked on every change.</b> Each presence change re-reads the subject's setting and
 * contacts (and, for {@code everyone}, the subject's conversations) once, and then filters the
 * subscribers: a subscriber who may no longer follow the subject (removed from the last shared
 * group, dropped from the contacts) loses the subscription, and one who may follow but not see
 * gets no event at all, so not even the moment of a change leaks.
 */
public final class PresenceService {
    private final PresenceRegistry registry;
    private final AccountStore accounts;
    private final ConversationStore conversations;
    private final ContactStore contacts;
    /** subject user → subscribers on this server (device sessions) following that user's presence. */
    private final Map<String, Set<PresenceSubscriber>> subscribers = new ConcurrentHashMap<>();

    public PresenceService(PresenceRegistry registry, AccountStore accounts, ConversationStore conversations,
                           ContactStore contacts) {
        this.registry = registry;
        this.accounts = accounts;
        this.conversations = conversations;
        this.contacts = contacts;
        registry.listen(this::changed);
    }

    /**
     * Subscribes to the users' presence and completes with their presence as the subscriber's
     * user may see it (hidden presence: offline, never seen); fails with FORBIDDEN (subscribing
     * to none) when any user may not be followed by the subscriber's user.
     */
    public CompletionStage<List<PresenceState>> subscribe(PresenceSubscriber session, List<String> users) {
        String viewer = session.viewerId();
        return sharingAConversation(viewer).thenCompose(sharing -> {
            List<String> others = users.stream().filter(u -> !u.equals(viewer) && !sharing.contains(u)).toList();
            List<CompletableFuture<Boolean>> asContact = new ArrayList<>();
            for (String u : others) {
                asContact.add(contacts.hasContact(u, viewer).toCompletableFuture());
            }
            return CompletableFuture.allOf(asContact.toArray(CompletableFuture[]::new)).thenApply(v -> {
                for (int i = 0; i < others.size(); i++) {
                    if (!asContact.get(i).join()) {
                        throw new ParleyException(ErrorCode.FORBIDDEN, "you may not follow the presence of \""
                                + others.get(i) + "\": you share no conversation and are not in their contacts");
                    }
                }
                return v;
            });
        }).thenCompose(v -> {
            for (String u : users) {
                subscribers.computeIfAbsent(u, k -> ConcurrentHashMap.newKeySet()).add(session);
            }
            return registry.lookup(users);
        }).thenCompose(states -> {
            List<CompletableFuture<PresenceState>> views = new ArrayList<>();
            for (String u : users) {
                views.add(lookupFor(viewer, states.get(u)).toCompletableFuture());
            }
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                    .thenApply(x -> views.stream().map(CompletableFuture::join).toList());
        });
    }

    /** Drops every subscription of a closed session. */
    public void unsubscribeAll(PresenceSubscriber session) {
        subscribers.values().forEach(s -> s.remove(session));
    }

    /** One user's presence as {@code viewerId} may see it; fails with USER_NOT_FOUND. */
    public CompletionStage<PresenceState> lookup(String viewerId, String userId) {
        return accounts.findUser(userId).thenCompose(u -> {
            if (u.isEmpty()) {
                throw new ParleyException(ErrorCode.USER_NOT_FOUND, "no user \"" + userId + "\"");
            }
            return registry.lookup(List.of(userId));
        }).thenCompose(states -> lookupFor(viewerId, states.get(userId)));
    }

    private CompletionStage<PresenceState> lookupFor(String viewerId, PresenceState state) {
        return mayView(viewerId, state.userId()).thenApply(ok -> ok ? state : hidden(state.userId()));
    }

    /** Whether the subject's setting lets the viewer see their presence. */
    private CompletionStage<Boolean> mayView(String viewerId, String subjectId) {
        if (viewerId.equals(subjectId)) {
            return CompletableFuture.completedFuture(true);
        }
        return privacyOf(subjectId).thenCompose(p -> switch (p) {
            case EVERYONE -> CompletableFuture.completedFuture(true);
            case NOBODY -> CompletableFuture.completedFuture(false);
            case CONTACTS -> contacts.hasContact(subjectId, viewerId);
        });
    }

    private void changed(PresenceState state) {
        String subject = state.userId();
        Set<PresenceSubscriber> subs = subscribers.get(subject);
        if (subs == null || subs.isEmpty()) {
            return;
        }
        privacyOf(subject).thenCompose(p -> contacts.contactsOf(subject).thenCompose(theirContacts -> {
            Set<String> contactSet = new HashSet<>(theirContacts);
            CompletionStage<Set<String>> sharing = p == LastSeenPrivacy.EVERYONE
                    ? sharingAConversation(subject) : CompletableFuture.completedFuture(Set.of());
            return sharing.thenAccept(shared -> {
                for (PresenceSubscriber s : subs) {
                    String viewer = s.viewerId();
                    boolean self = viewer.equals(subject);
                    boolean contact = contactSet.contains(viewer);
                    boolean sees = self || switch (p) {
                        case EVERYONE -> contact || shared.contains(viewer);
                        case CONTACTS -> contact;
                        case NOBODY -> false;
                    };
                    if (sees) {
                        s.presenceChanged(state);
                    } else if (!self && !contact && p == LastSeenPrivacy.EVERYONE) {
                        // Known for sure only here: no shared conversation and not a contact any more.
                        subs.remove(s);
                    }
                }
            });
        }));
    }

    private CompletionStage<LastSeenPrivacy> privacyOf(String userId) {
        return accounts.findUser(userId).thenApply(u -> u.map(User::lastSeenPrivacy).orElse(LastSeenPrivacy.NOBODY));
    }

    /** The users who share at least one conversation with {@code userId}. */
    private CompletionStage<Set<String>> sharingAConversation(String userId) {
        return conversations.conversationsOf(userId).thenApply(convs -> {
            Set<String> out = new HashSet<>();
            for (Conversation c : convs) {
                out.addAll(c.members());
            }
            out.remove(userId);
            return out;
        });
    }

    private static PresenceState hidden(String userId) {
        return new PresenceState(userId, false, null);
    }
}
