package dev.parley.core.delivery;

import dev.parley.core.account.AccountService;
import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.contact.ContactService;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.MessagingService;
import dev.parley.core.message.NewMessage;
import dev.parley.core.presence.PresenceService;
import dev.parley.core.push.PushService;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol edge of the core: maps each client frame to a call of a feature service (in the
 * services' own terms) and the call's result or failure to the reply frame, echoing the request's
 * id. The services know no frames and no request ids; REST calls them directly.
 *
 * <p>One instance per server, shared by every session and holding no per-connection state: a
 * session's own state (its rate limit, inbox delivery, acknowledgements) stays on the session.
 * Threading: {@link #dispatch} runs on the session's executor; replies hop back to it.
 */
public final class RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final AccountService accounts;
    private final ConversationService conversations;
    private final MessagingService messaging;
    private final PresenceService presence;
    private final ContactService contacts;
    private final PushService push;
    private final LongSupplier ticker;
    private final Runnable onFrameIn;
    private final Consumer<ErrorCode> onError;

    /**
     * @param ticker    monotonic nanoseconds for the per-connection rate limit
     * @param onFrameIn counts every request handled
     * @param onError   counts every error reply, by code
     */
    public RequestDispatcher(AccountService accounts, ConversationService conversations, MessagingService messaging,
                             PresenceService presence, ContactService contacts, PushService push, LongSupplier ticker,
                             Runnable onFrameIn, Consumer<ErrorCode> onError) {
        this.accounts = accounts;
        this.conversations = conversations;
        this.messaging = messaging;
        this.presence = presence;
        this.contacts = contacts;
        this.push = push;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.onFrameIn = Objects.requireNonNull(onFrameIn, "onFrameIn");
        this.onError = Objects.requireNonNull(onError, "onError");
    }

    MessagingService messaging() {
        return messaging;
    }

    PresenceService presence() {
        return presence;
    }

    /** Handles one decoded request of an open session: rate limits, then the request itself. */
    void dispatch(DeviceSession session, ClientFrame frame) {
        onFrameIn.run();
        if (!session.rateLimiter.tryAcquire(ticker.getAsLong())) {
            sendError(session, frame.id(), new ParleyException(ErrorCode.RATE_LIMITED,
                    "too many requests; slow down (limit " + session.rateLimiter.describe() + ")"));
            return;
        }
        if (frame instanceof ClientFrame.Send) {
            long waitNanos = session.userSends.tryAcquire();
            if (waitNanos > 0) {
                sendError(session, frame.id(), ParleyException.rateLimited("too many messages from this user over all"
                        + " of its connections", waitNanos));
                return;
            }
        }
        try {
            route(session, frame);
        } catch (ParleyException e) {
            sendError(session, frame.id(), e);
        }
    }

    private void route(DeviceSession session, ClientFrame frame) {
        Device device = session.device();
        String user = device.userId();
        String id = frame.id();
        if (frame instanceof ClientFrame.Send f) {
            reply(session, id, messaging.send(new NewMessage(f.conv(), user, device.deviceId(), f.clientMsgId(),
                    f.body(), f.contentType())), r -> Views.sent(id, r));
        } else if (frame instanceof ClientFrame.Ack f) {
            session.acks().ack(f);
        } else if (frame instanceof ClientFrame.Sync f) {
            session.inbox().sync(f);
        } else if (frame instanceof ClientFrame.Read f) {
            replyOk(session, id, messaging.markRead(user, f.conv(), f.upTo()));
        } else if (frame instanceof ClientFrame.Typing f) {
            replyOk(session, id, messaging.typing(user, f.conv(), f.state()));
        } else if (frame instanceof ClientFrame.History f) {
            reply(session, id, messaging.history(user, f.conv(), HistoryQuery.page(f.beforeSeq(), f.afterSeq(),
                    f.beforeTs(), f.afterTs(), f.limit())), page -> Views.historyPage(id, page));
        } else if (frame instanceof ClientFrame.OpenDirect f) {
            conversationReply(session, id, conversations.openDirect(user, f.user()));
        } else if (frame instanceof ClientFrame.CreateGroup f) {
            conversationReply(session, id, conversations.createGroup(user, f.name(), f.members()));
        } else if (frame instanceof ClientFrame.RenameGroup f) {
            conversationReply(session, id, conversations.rename(user, f.conv(), f.name()));
        } else if (frame instanceof ClientFrame.AddMembers f) {
            conversationReply(session, id, conversations.addMembers(user, f.conv(), f.users()));
        } else if (frame instanceof ClientFrame.RemoveMember f) {
            conversationReply(session, id, conversations.removeMember(user, f.conv(), f.user()));
        } else if (frame instanceof ClientFrame.LeaveGroup f) {
            conversationReply(session, id, conversations.leave(user, f.conv()));
        } else if (frame instanceof ClientFrame.GetConversation f) {
            conversationReply(session, id, conversations.requireMember(f.conv(), user));
        } else if (frame instanceof ClientFrame.PromoteAdmin f) {
            conversationReply(session, id, conversations.promote(user, f.conv(), f.user()));
        } else if (frame instanceof ClientFrame.AddContact f) {
            replyOk(session, id, contacts.add(user, f.user()));
        } else if (frame instanceof ClientFrame.RemoveContact f) {
            replyOk(session, id, contacts.remove(user, f.user()));
        } else if (frame instanceof ClientFrame.ListContacts) {
            reply(session, id, contacts.list(user), list -> new ServerFrame.ContactList(id, list));
        } else if (frame instanceof ClientFrame.ListConversations) {
            reply(session, id, conversations.list(user).thenCompose(this::views),
                    list -> new ServerFrame.ConversationList(id, list));
        } else if (frame instanceof ClientFrame.SubscribePresence f) {
            reply(session, id, presence.subscribe(session, f.users()),
                    list -> new ServerFrame.PresenceList(id, list.stream().map(Views::presence).toList()));
        } else if (frame instanceof ClientFrame.SetPrivacy f) {
            CompletionStage<?> lastSeen = f.lastSeen() == null ? CompletableFuture.completedFuture(null)
                    : accounts.setPrivacy(user, LastSeenPrivacy.fromWire(f.lastSeen()));
            replyOk(session, id, lastSeen.thenCompose(v -> f.groupAdd() == null
                    ? CompletableFuture.<Void>completedFuture(null)
                    : contacts.setGroupAddPolicy(user, GroupAddPolicy.fromWire(f.groupAdd()))));
        } else if (frame instanceof ClientFrame.SetPush f) {
            replyOk(session, id, push.register(device, f.provider(), f.target()));
        } else if (frame instanceof ClientFrame.MessageInfo f) {
            reply(session, id, messaging.messageInfo(user, f.conv(), f.seq()), info -> Views.messageInfo(id, info));
        } else if (frame instanceof ClientFrame.Ping) {
            session.send(new ServerFrame.Pong(id, System.currentTimeMillis()));
            session.checkInboxHead();
        } else if (frame instanceof ClientFrame.Auth) {
            sendError(session, id, new ParleyException(ErrorCode.INVALID_FIELD, "this connection is already authenticated"));
        } else {
            sendError(session, id, new ParleyException(ErrorCode.UNKNOWN_TYPE, "unsupported frame"));
        }
    }

    /** The views of conversations, each with its last sequence number, in the list's order. */
    private CompletionStage<List<ServerFrame.ConversationView>> views(List<Conversation> list) {
        List<CompletableFuture<ServerFrame.ConversationView>> views = list.stream()
                .map(c -> view(c).toCompletableFuture()).toList();
        return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                .thenApply(v -> views.stream().map(CompletableFuture::join).toList());
    }

    private CompletionStage<ServerFrame.ConversationView> view(Conversation c) {
        return messaging.lastSeq(c.id()).thenApply(last -> Views.conversation(c, last));
    }

    private void conversationReply(DeviceSession session, String id, CompletionStage<Conversation> stage) {
        reply(session, id, stage.thenCompose(this::view), v -> new ServerFrame.ConversationReply(id, v));
    }

    /** Answers {@code ok} when the stage completes, or the error it failed with. */
    void replyOk(DeviceSession session, String id, CompletionStage<?> stage) {
        reply(session, id, stage, v -> new ServerFrame.Ok(id));
    }

    /** Sends the stage's result mapped to a frame, or the error it failed with, on the session's executor. */
    <T> void reply(DeviceSession session, String id, CompletionStage<T> stage, Function<T, ? extends ServerFrame> toFrame) {
        stage.whenCompleteAsync((value, error) -> {
            if (session.isClosed()) {
                return;
            }
            if (error != null) {
                sendError(session, id, ParleyException.from(error));
            } else {
                session.send(toFrame.apply(value));
            }
        }, session.transport.executor());
    }

    /** Answers a request with an error frame; the one place errors of the WebSocket are counted. */
    void sendError(DeviceSession session, String id, ParleyException e) {
        if (e.code() == ErrorCode.INTERNAL) {
            log.error("internal error answering request of device {}", session.device().deviceId(), e);
        }
        onError.accept(e.code());
        session.send(ServerFrame.Error.of(id, e));
    }
}
