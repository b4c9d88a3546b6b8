package dev.parley.core.presence;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.delivery.DeviceSession;
import dev.parley.core.message.MessageStore;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence as users see it: subscriptions of connections to the presence of their contacts
 * (users they share a conversation with), filtered by each subject's last-seen privacy.
 * A user whose setting is {@code nobody} appears offline with no last-seen time.
 */
public final class PresenceService {
    private final PresenceRegistry registry;
    private final AccountStore accounts;
    private final MessageStore messages;
    /** subject user → sessions on this server subscribed to that user's presence. */
    private final Map<String, Set<DeviceSession>> subscribers = new ConcurrentHashMap<>();

    public PresenceService(PresenceRegistry registry, AccountStore accounts, MessageStore messages) {
        this.registry = registry;
        this.accounts = accounts;
        this.messages = messages;
        registry.listen(this::changed);
    }

    /** Subscribes the session to the users' presence; fails with FORBIDDEN for a user who is not a contact. */
    public CompletionStage<List<ServerFrame.PresenceView>> subscribe(DeviceSession session, List<String> users) {
        String viewer = session.device().userId();
        return contactsOf(viewer).thenCompose(contacts -> {
            for (String u : users) {
                if (!contacts.contains(u) && !u.equals(viewer)) {
                    throw new ParleyException(ErrorCode.FORBIDDEN, "you share no conversation with \"" + u + "\"");
                }
            }
            for (String u : users) {
                subscribers.computeIfAbsent(u, k -> ConcurrentHashMap.newKeySet()).add(session);
            }
            return registry.lookup(users);
        }).thenCompose(states -> {
            List<CompletableFuture<ServerFrame.PresenceView>> views = new ArrayList<>();
            for (String u : users) {
                views.add(visible(states.get(u)).toCompletableFuture());
            }
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                    .thenApply(v -> views.stream().map(CompletableFuture::join).toList());
        });
    }

    /** Drops every subscription of a closed session. */
    public void unsubscribeAll(DeviceSession session) {
        subscribers.values().forEach(s -> s.remove(session));
    }

    /** One user's presence as {@code viewerId} may see it (REST). */
    public CompletionStage<ServerFrame.PresenceView> lookup(String viewerId, String userId) {
        return accounts.findUser(userId).thenCompose(u -> {
            User user = u.orElseThrow(() -> new ParleyException(ErrorCode.USER_NOT_FOUND, "no user \"" + userId + "\""));
            CompletionStage<Boolean> allowed = switch (user.lastSeenPrivacy()) {
                case EVERYONE -> CompletableFuture.completedFuture(true);
                case NOBODY -> CompletableFuture.completedFuture(viewerId.equals(userId));
                case CONTACTS -> viewerId.equals(userId) ? CompletableFuture.completedFuture(true)
                        : contactsOf(viewerId).thenApply(c -> c.contains(userId));
            };
            return allowed.thenCompose(ok -> registry.lookup(List.of(userId)).thenApply(states -> {
                PresenceState s = states.get(userId);
                return ok ? view(s) : new ServerFrame.PresenceView(userId, false, null);
            }));
        });
    }

    private void changed(PresenceState state) {
        Set<DeviceSession> subs = subscribers.get(state.userId());
        if (subs == null || subs.isEmpty()) {
            return;
        }
        visible(state).thenAccept(v -> {
            ServerFrame.PresenceEvent event = new ServerFrame.PresenceEvent(v.user(), v.online(), v.lastSeen());
            for (DeviceSession s : subs) {
                s.deliverEphemeral(event);
            }
        });
    }

    /**
     * Contacts see presence unless the subject chose {@code nobody}. The setting is read from
     * the store each time (once per change, not per subscriber), so a change made through any
     * server counts at once.
     */
    private CompletionStage<ServerFrame.PresenceView> visible(PresenceState state) {
        return accounts.findUser(state.userId())
                .thenApply(u -> u.map(User::lastSeenPrivacy).orElse(LastSeenPrivacy.NOBODY))
                .thenApply(p -> p == LastSeenPrivacy.NOBODY
                        ? new ServerFrame.PresenceView(state.userId(), false, null) : view(state));
    }

    private static ServerFrame.PresenceView view(PresenceState s) {
        return new ServerFrame.PresenceView(s.userId(), s.online(), s.lastSeen() == null ? null : s.lastSeen().toEpochMilli());
    }

    private CompletionStage<Set<String>> contactsOf(String userId) {
        return messages.conversationsOf(userId).thenApply(convs -> {
            Set<String> out = new HashSet<>();
            for (Conversation c : convs) {
                out.addAll(c.members());
            }
            out.remove(userId);
            return out;
        });
    }
}
