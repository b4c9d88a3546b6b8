package dev.parley.core.delivery;

import dev.parley.core.Views;
import dev.parley.core.account.AccountService;
import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.contact.ContactService;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.MessagingService;
import dev.parley.core.presence.PresenceService;
import dev.parley.core.push.PushService;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated device connection: dispatches the device's requests and delivers its
 * user's inbox in cursor order.
 *
 * <p>Delivery is driven by the inbox, not by notifications: the session remembers the highest
 * cursor it has sent ({@code sentUpTo}); a notification for exactly the next cursor is sent at
 * once, anything else (a gap, a paused connection, a sync after being offline) makes it read
 * from the store after {@code sentUpTo} until it has caught up. So the offline backlog always
 * comes before newer live traffic, a slow client never makes the server buffer without bound
 * (delivery pauses while the transport is not writable and resumes from the store), and a lost
 * notification only delays an entry until the next one.
 *
 * <p>Threading: every method runs on, or hops to, the transport's executor; state is confined
 * to it, so there are no locks.
 */
public final class DeviceSession implements Transport.Listener {
    private static final Logger log = LoggerFactory.getLogger(DeviceSession.class);

    /** Services a session calls; one instance per server. */
    public record Services(AccountService accounts, ConversationService conversations, MessagingService messaging,
                           PresenceService presence, ContactService contacts, PushService push, MessageStore store,
                           Runnable onFrameIn,
                           java.util.function.Consumer<ErrorCode> onError) {
    }

    private final Device device;
    private final Transport transport;
    private final Services services;
    private final int syncBatchSize;
    private final RateLimiter rateLimiter;
    /** The user's send limit, shared with the user's other sessions on this server. */
    private final TokenBuckets.Bucket userSends;
    private final java.util.function.Consumer<DeviceSession> onClose;

    private boolean closed;
    private boolean syncing;
    private boolean syncStarted;
    private boolean catchingUp;
    private long sentUpTo;
    private long ackedUpTo;
    private long knownHead;
    private String pendingSyncId;
    private long syncFrom;
    private long syncHead;
    /** Messages of others sent and not yet acknowledged; created with the first entry sent. */
    private DeliveredLedger ledger;
    /** Acks that arrived while the sync's first reads were in flight; answered once they finish. */
    private java.util.List<ClientFrame.Ack> acksDuringSync; // null while none: most sessions never need it

    DeviceSession(Device device, Transport transport, Services services, int syncBatchSize, RateLimiter rateLimiter,
                  TokenBuckets.Bucket userSends, java.util.function.Consumer<DeviceSession> onClose) {
        this.device = device;
        this.transport = transport;
        this.services = services;
        this.syncBatchSize = syncBatchSize;
        this.rateLimiter = rateLimiter;
        this.userSends = java.util.Objects.requireNonNull(userSends, "userSends");
        this.onClose = onClose;
    }

    public Device device() {
        return device;
    }

    /** Handles one decoded request. Call on the transport's executor. */
    @Override
    public void onFrame(ClientFrame frame) {
        if (closed) {
            return;
        }
        services.onFrameIn().run();
        if (!rateLimiter.tryAcquire()) {
            reply(frame.id(), CompletableFuture.failedFuture(new ParleyException(ErrorCode.RATE_LIMITED,
                    "too many requests; slow down (limit " + rateLimiter.describe() + ")")));
            return;
        }
        if (frame instanceof ClientFrame.Send) {
            long waitNanos = userSends.tryAcquire();
            if (waitNanos > 0) {
                sendError(frame.id(), ParleyException.rateLimited("too many messages from this user over all of its"
                        + " connections", waitNanos));
                return;
            }
        }
        try {
            dispatch(frame);
        } catch (ParleyException e) {
            sendError(frame.id(), e);
        }
    }

    private void dispatch(ClientFrame frame) {
        String user = device.userId();
        String id = frame.id();
        if (frame instanceof ClientFrame.Send f) {
            reply(id, services.messaging().send(device, f), Function.identity());
        } else if (frame instanceof ClientFrame.Ack f) {
            ack(f);
        } else if (frame instanceof ClientFrame.Sync f) {
            sync(f);
        } else if (frame instanceof ClientFrame.Read f) {
            reply(id, services.messaging().markRead(user, f.conv(), f.upTo()), v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.Typing f) {
            reply(id, services.messaging().typing(user, f.conv(), f.state()), v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.History f) {
            reply(id, services.messaging().history(user, id, f), Function.identity());
        } else if (frame instanceof ClientFrame.OpenDirect f) {
            conversationReply(id, services.conversations().openDirect(user, f.user()));
        } else if (frame instanceof ClientFrame.CreateGroup f) {
            conversationReply(id, services.conversations().createGroup(user, f.name(), f.members()));
        } else if (frame instanceof ClientFrame.RenameGroup f) {
            conversationReply(id, services.conversations().rename(user, f.conv(), f.name()));
        } else if (frame instanceof ClientFrame.AddMembers f) {
            conversationReply(id, services.conversations().addMembers(user, f.conv(), f.users()));
        } else if (frame instanceof ClientFrame.RemoveMember f) {
            conversationReply(id, services.conversations().removeMember(user, f.conv(), f.user()));
        } else if (frame instanceof ClientFrame.LeaveGroup f) {
            conversationReply(id, services.conversations().leave(user, f.conv()));
        } else if (frame instanceof ClientFrame.GetConversation f) {
            conversationReply(id, services.conversations().requireMember(f.conv(), user));
        } else if (frame instanceof ClientFrame.PromoteAdmin f) {
            conversationReply(id, services.conversations().promote(user, f.conv(), f.user()));
        } else if (frame instanceof ClientFrame.AddContact f) {
            reply(id, services.contacts().add(user, f.user()), v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.RemoveContact f) {
            reply(id, services.contacts().remove(user, f.user()), v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.ListContacts) {
            reply(id, services.contacts().list(user), list -> new ServerFrame.ContactList(id, list));
        } else if (frame instanceof ClientFrame.ListConversations) {
            reply(id, services.conversations().list(user).thenCompose(list -> {
                List<CompletableFuture<ServerFrame.ConversationView>> views = list.stream()
                        .map(c -> services.messaging().view(c).toCompletableFuture()).toList();
                return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                        .thenApply(v -> views.stream().map(CompletableFuture::join).toList());
            }), list -> new ServerFrame.ConversationList(id, list));
        } else if (frame instanceof ClientFrame.SubscribePresence f) {
            reply(id, services.presence().subscribe(this, f.users()), list -> new ServerFrame.PresenceList(id, list));
        } else if (frame instanceof ClientFrame.SetPrivacy f) {
            CompletionStage<?> lastSeen = f.lastSeen() == null ? CompletableFuture.completedFuture(null)
                    : services.accounts().setPrivacy(user, LastSeenPrivacy.fromWire(f.lastSeen()));
            reply(id, lastSeen.thenCompose(v -> f.groupAdd() == null ? CompletableFuture.<Void>completedFuture(null)
                    : services.contacts().setGroupAddPolicy(user, GroupAddPolicy.fromWire(f.groupAdd()))),
                    v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.SetPush f) {
            reply(id, services.push().register(device, f.provider(), f.target()), v -> new ServerFrame.Ok(id));
        } else if (frame instanceof ClientFrame.MessageInfo f) {
            reply(id, services.messaging().messageInfo(user, id, f.conv(), f.seq()), Function.identity());
        } else if (frame instanceof ClientFrame.Ping) {
            transport.send(new ServerFrame.Pong(id, System.currentTimeMillis()));
            checkInboxHead();
        } else if (frame instanceof ClientFrame.Auth) {
            sendError(id, new ParleyException(ErrorCode.INVALID_FIELD, "this connection is already authenticated"));
        } else {
            sendError(id, new ParleyException(ErrorCode.UNKNOWN_TYPE, "unsupported frame"));
        }
    }

    // ---- inbox delivery -------------------------------------------------------------------

    private void sync(ClientFrame.Sync f) {
        if (syncStarted) {
            sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD, "sync was already requested on this connection"));
            return;
        }
        syncStarted = true;
        MessageStore store = services.store();
        store.deviceCursor(device.userId(), device.deviceId())
                .thenCombine(store.inboxHead(device.userId()), (cursor, head) -> new long[] {cursor, head})
                .whenCompleteAsync((r, e) -> {
                    if (closed) {
                        return;
                    }
                    if (e != null) {
                        syncStarted = false;
                        sendError(f.id(), ParleyException.from(e));
                        replayAcksDuringSync();
                        return;
                    }
                    if (f.after() != null && f.after() > r[1]) {
                        syncStarted = false;
                        sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD, "after (" + f.after()
                                + ") is beyond this user's inbox head (" + r[1] + "); sync from at most the head"));
                        replayAcksDuringSync();
                        return;
                    }
                    ackedUpTo = r[0];
                    sentUpTo = f.after() != null ? f.after() : r[0];
                    syncFrom = sentUpTo;
                    syncHead = r[1];
                    knownHead = Math.max(knownHead, r[1]);
                    pendingSyncId = f.id();
                    syncing = true;
                    replayAcksDuringSync();
                    catchUp();
                }, transport.executor());
    }

    /** A new entry in this user's inbox exists; may be called from any thread. */
    public void notifyEntry(InboxEntry entry) {
        transport.executor().execute(() -> onEntry(entry));
    }

    private void onEntry(InboxEntry entry) {
        if (closed) {
            return;
        }
        knownHead = Math.max(knownHead, entry.cursor());
        if (!syncing) {
            return;
        }
        if (!catchingUp && entry.cursor() == sentUpTo + 1 && transport.isWritable()) {
            deliver(entry);
        } else if (entry.cursor() > sentUpTo) {
            catchUp();
        }
    }

    /**
     * Heartbeats double as a safety net: if a notification was lost on the way (a router outage
     * in scale-out mode), the store's inbox head tells the session it is behind, and it catches
     * up within one heartbeat interval instead of waiting for the next message.
     */
    private void checkInboxHead() {
        if (!syncing || catchingUp) {
            return;
        }
        services.store().inboxHead(device.userId()).whenCompleteAsync((head, e) -> {
            if (e == null && !closed && head > sentUpTo) {
                knownHead = Math.max(knownHead, head);
                catchUp();
            }
        }, transport.executor());
    }

    /** Connection became writable again: resume delivery from the store. */
    @Override
    public void onWritable() {
        transport.executor().execute(() -> {
            // A sync paused at the end of its backlog still owes its synced reply.
            if (!closed && syncing && (knownHead > sentUpTo || pendingSyncId != null)) {
                catchUp();
            }
        });
    }

    private void catchUp() {
        if (catchingUp || closed) {
            return;
        }
        if (!transport.isWritable()) {
            return; // onWritable resumes
        }
        catchingUp = true;
        readBatch(sentUpTo);
    }

    /**
     * Reads the batch after {@code after}. While a full batch is being sent, the next one is
     * already read (one read ahead), so the store and the event loop work at the same time.
     */
    private void readBatch(long after) {
        services.store().readInbox(device.userId(), after, syncBatchSize)
                .whenCompleteAsync((entries, e) -> onBatch(entries, e), transport.executor());
    }

    private void onBatch(List<InboxEntry> entries, Throwable e) {
        if (closed) {
            catchingUp = false;
            return;
        }
        if (e != null) {
            catchingUp = false;
            log.warn("inbox read failed for device {}; closing so the client resyncs", device.deviceId(), e);
            transport.close(1011, "inbox unavailable, reconnect");
            return;
        }
        if (!entries.isEmpty()) {
            knownHead = Math.max(knownHead, entries.get(entries.size() - 1).cursor());
        }
        if (!transport.isWritable()) {
            // A read ahead found the connection congested: drop it, onWritable reads it again.
            catchingUp = false;
            return;
        }
        boolean readingAhead = entries.size() >= syncBatchSize;
        if (readingAhead) {
            readBatch(entries.get(entries.size() - 1).cursor());
        }
        for (InboxEntry entry : entries) {
            if (entry.cursor() > sentUpTo) {
                deliver(entry);
            }
        }
        if (readingAhead) {
            return; // the read ahead continues
        }
        catchingUp = false;
        knownHead = Math.max(knownHead, sentUpTo);
        if (!entries.isEmpty() && knownHead > sentUpTo) {
            catchUp();
        } else if (pendingSyncId != null && sentUpTo >= syncHead) {
            transport.send(new ServerFrame.Synced(pendingSyncId, syncFrom, Math.max(syncHead, sentUpTo)));
            pendingSyncId = null;
        } else if (pendingSyncId != null) {
            // The head moved below what this device claims to have (pruned inbox): nothing more to send.
            transport.send(new ServerFrame.Synced(pendingSyncId, syncFrom, sentUpTo));
            pendingSyncId = null;
        }
    }

    /** Sends one inbox entry and remembers what it delivered for the acknowledgement. */
    private void deliver(InboxEntry entry) {
        transport.send(Views.inboxFrame(entry));
        if (ledger == null) {
            ledger = new DeliveredLedger(sentUpTo);
        }
        if (entry.event() instanceof InboxEvent.MessageAdded m && !m.message().senderId().equals(device.userId())) {
            ledger.sent(entry.cursor(), m.message().conversationId(), m.message().seq());
        } else {
            ledger.sent(entry.cursor(), null, 0);
        }
        sentUpTo = entry.cursor();
    }

    private void replayAcksDuringSync() {
        java.util.List<ClientFrame.Ack> pending = acksDuringSync;
        acksDuringSync = null;
        if (pending != null) {
            pending.forEach(this::ack);
        }
    }

    private void ack(ClientFrame.Ack f) {
        if (syncStarted && !syncing) {
            // A client may pipeline "sync after n" and "ack n": decide once the sync knows n is valid.
            if (acksDuringSync == null) {
                acksDuringSync = new java.util.ArrayList<>();
            }
            acksDuringSync.add(f);
            return;
        }
        long upTo = f.upTo();
        if (upTo > sentUpTo) {
            sendError(f.id(), new ParleyException(ErrorCode.INVALID_FIELD,
                    "cannot acknowledge cursor " + upTo + ": only " + sentUpTo + " was delivered on this connection"));
            return;
        }
        if (upTo <= ackedUpTo) {
            transport.send(new ServerFrame.Ok(f.id()));
            return;
        }
        long from = ackedUpTo;
        ackedUpTo = upTo;
        Map<String, Long> maxSeq = new HashMap<>();
        List<DeliveredLedger.Range> fromStore = ledger == null ? List.of(new DeliveredLedger.Range(from, upTo))
                : ledger.take(from, upTo, maxSeq);
        CompletionStage<Void> read = CompletableFuture.completedFuture(null);
        for (DeliveredLedger.Range r : fromStore) {
            read = read.thenCompose(v -> readDelivered(r.after(), r.upTo(), maxSeq));
        }
        CompletionStage<Void> done = read.thenCompose(
                v -> services.messaging().acknowledged(device.userId(), device.deviceId(), maxSeq, upTo));
        reply(f.id(), done, v -> new ServerFrame.Ok(f.id()));
    }

    /**
     * Adds the messages of others in {@code (from, upTo]} to {@code maxSeq}, reading the inbox
     * page by page: for acknowledged entries this connection did not send or did not record.
     */
    private CompletionStage<Void> readDelivered(long from, long upTo, Map<String, Long> maxSeq) {
        int page = (int) Math.min(upTo - from, 1_000);
        return services.store().readInbox(device.userId(), from, page).thenCompose(entries -> {
            long last = from;
            for (InboxEntry e : entries) {
                if (e.cursor() > upTo) {
                    break;
                }
                last = e.cursor();
                if (e.event() instanceof InboxEvent.MessageAdded m && !m.message().senderId().equals(device.userId())) {
                    maxSeq.merge(m.message().conversationId(), m.message().seq(), Math::max);
                }
            }
            if (entries.size() == page && last < upTo) {
                return readDelivered(last, upTo, maxSeq);
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    // ---- replies --------------------------------------------------------------------------

    private void conversationReply(String id, CompletionStage<dev.parley.core.conversation.Conversation> stage) {
        reply(id, stage.thenCompose(c -> services.messaging().view(c)), v -> new ServerFrame.ConversationReply(id, v));
    }

    private <T> void reply(String id, CompletionStage<T> stage, Function<T, ? extends ServerFrame> toFrame) {
        stage.whenCompleteAsync((value, error) -> {
            if (closed) {
                return;
            }
            if (error != null) {
                sendError(id, ParleyException.from(error));
            } else {
                transport.send(toFrame.apply(value));
            }
        }, transport.executor());
    }

    private void reply(String id, CompletionStage<Void> failed) {
        reply(id, failed, v -> new ServerFrame.Ok(id));
    }

    private void sendError(String id, ParleyException e) {
        if (e.code() == ErrorCode.INTERNAL) {
            log.error("internal error answering request of device {}", device.deviceId(), e);
        }
        services.onError().accept(e.code());
        transport.send(ServerFrame.Error.of(id, e));
    }

    /** Sends a frame that is not stored (typing, presence); dropped while the connection is congested. */
    public void deliverEphemeral(ServerFrame frame) {
        transport.executor().execute(() -> {
            if (!closed && transport.isWritable()) {
                transport.send(frame);
            }
        });
    }

    /**
     * Sends {@code welcome}; called once when the session opens, on the transport's executor and
     * before any frame the client sent is handled, so {@code welcome} is always the first frame.
     */
    void welcome(ServerFrame.Welcome welcome) {
        transport.send(welcome);
    }

    /** Tells the client to reconnect and closes the connection (shutdown, replacement, revocation). */
    public void closeWith(ServerFrame.Reconnect notice, int statusCode, String reason) {
        transport.executor().execute(() -> {
            if (closed) {
                return;
            }
            if (notice != null) {
                transport.send(notice);
            }
            transport.close(statusCode, reason);
        });
    }

    /** The connection closed; call once, from the transport. */
    @Override
    public void onClosed() {
        transport.executor().execute(() -> {
            if (!closed) {
                closed = true;
                onClose.accept(this);
            }
        });
    }
}
