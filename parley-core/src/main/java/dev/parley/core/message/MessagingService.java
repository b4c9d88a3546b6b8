package dev.parley.core.message;

import dev.parley.core.Views;
import dev.parley.core.account.Device;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.push.PushService;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Sending, history, receipts and typing. */
public final class MessagingService {
    /**
     * Most bytes of messages in one page of history (past its first message): a short request
     * cannot buy a reply of any size. Far above what a page of ordinary messages takes, and far
     * below the outbound hard limit of a connection.
     */
    public static final int MAX_PAGE_BYTES = 256 * 1024;

    private final MessageStore store;
    private final ConversationService conversations;
    private final MessageRouter router;
    private final PushService push;
    private final int maxBodyBytes;
    private final Counter sent;
    private final Counter duplicates;
    private final Timer appendTimer;

    public MessagingService(MessageStore store, ConversationService conversations, MessageRouter router,
                            PushService push, int maxBodyBytes, MeterRegistry meters) {
        this.store = store;
        this.conversations = conversations;
        this.router = router;
        this.push = push;
        this.maxBodyBytes = maxBodyBytes;
        this.sent = meters.counter("parley.messages.sent");
        this.duplicates = meters.counter("parley.messages.duplicates");
        this.appendTimer = Timer.builder("parley.store.append").publishPercentiles(0.5, 0.99).register(meters);
    }

    /**
     * Stores a message durably and announces it; the returned {@code sent} frame is the ✓.
     * A retried send (same device, same clientMsgId) answers with the first message.
     */
    public CompletionStage<ServerFrame.Sent> send(Device device, ClientFrame.Send f) {
        if (utf8Length(f.body()) > maxBodyBytes) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.MESSAGE_TOO_LARGE,
                    "body exceeds " + maxBodyBytes + " bytes"));
        }
        long start = System.nanoTime();
        NewMessage m = new NewMessage(f.conv(), device.userId(), device.deviceId(), f.clientMsgId(), f.body(),
                f.contentType());
        return store.appendMessage(m).thenApply(r -> {
            appendTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            StoredMessage s = r.message();
            if (r.duplicate()) {
                duplicates.increment();
            } else {
                sent.increment();
                conversations.publish(r.inboxEntries());
                List<String> recipients = new ArrayList<>(r.recipients());
                recipients.remove(device.userId());
                push.messageStored(s, recipients);
            }
            return new ServerFrame.Sent(f.id(), s.conversationId(), s.clientMsgId(), s.messageId(), s.seq(),
                    s.timestamp().toEpochMilli(), r.duplicate());
        });
    }

    /**
     * A page of history for a member, oldest first: at most {@code limit} messages and, past the
     * first, at most {@link #MAX_PAGE_BYTES} of encoded JSON; {@code hasMore} says a next page exists.
     */
    public CompletionStage<ServerFrame.HistoryPage> history(String userId, String requestId, ClientFrame.History h) {
        int limit = h.limit() == null ? 50 : h.limit();
        HistoryQuery q;
        if (h.afterSeq() != null) {
            q = new HistoryQuery(HistoryQuery.Direction.AFTER, h.afterSeq(), false, limit + 1);
        } else if (h.afterTs() != null) {
            q = new HistoryQuery(HistoryQuery.Direction.AFTER, h.afterTs(), true, limit + 1);
        } else if (h.beforeTs() != null) {
            q = new HistoryQuery(HistoryQuery.Direction.BEFORE, h.beforeTs(), true, limit + 1);
        } else {
            q = new HistoryQuery(HistoryQuery.Direction.BEFORE, h.beforeSeq() == null ? Long.MAX_VALUE : h.beforeSeq(),
                    false, limit + 1);
        }
        return conversations.requireMember(h.conv(), userId)
                .thenCompose(c -> store.history(h.conv(), q))
                .thenApply(list -> {
                    boolean more = list.size() > limit;
                    boolean after = q.direction() == HistoryQuery.Direction.AFTER;
                    List<StoredMessage> page = !more ? list : after ? list.subList(0, limit) : list.subList(1, list.size());
                    List<ServerFrame.MessageView> views = page.stream().map(Views::message).toList();
                    List<ServerFrame.MessageView> fitting = withinBytes(views, after, MAX_PAGE_BYTES);
                    return new ServerFrame.HistoryPage(requestId, h.conv(), fitting, more || fitting.size() < views.size());
                });
    }

    /**
     * The longest run of {@code views} whose encoding fits {@code budget} bytes, kept from the end
     * nearest the query's anchor (the start when paging forward, the end when paging back), and
     * never empty: a small request must not buy a reply of any size, and the next page starts
     * where this one stopped.
     */
    static List<ServerFrame.MessageView> withinBytes(List<ServerFrame.MessageView> views, boolean fromStart,
                                                      int budget) {
        int n = views.size();
        int used = 0;
        int kept = 0;
        while (kept < n) {
            int bytes = FrameCodec.encodedLength(views.get(fromStart ? kept : n - 1 - kept));
            if (kept > 0 && used + bytes > budget) {
                break;
            }
            used += bytes;
            kept++;
        }
        return fromStart ? views.subList(0, kept) : views.subList(n - kept, n);
    }

    /** Marks the conversation read up to {@code upTo} for the user. */
    public CompletionStage<Void> markRead(String userId, String conversationId, long upTo) {
        return conversations.requireMember(conversationId, userId)
                .thenCompose(c -> store.advanceWatermark(conversationId, userId, ReceiptKind.READ, upTo))
                .thenAccept(conversations::publish);
    }

    /**
     * A device acknowledged its inbox up to {@code cursor}, which delivered the messages of others
     * up to {@code deliveredUpTo} (highest sequence number per conversation): raises the watermarks
     * and the device's cursor, and routes the receipts to their senders.
     */
    public CompletionStage<Void> acknowledged(String userId, String deviceId, Map<String, Long> deliveredUpTo,
                                              long cursor) {
        return store.acknowledge(userId, deviceId, deliveredUpTo, cursor).thenAccept(conversations::publish);
    }

    /** Per-member receipt status of one message; the aggregate is the lowest among the recipients. */
    public CompletionStage<ServerFrame.MessageInfoReply> messageInfo(String userId, String requestId,
                                                                     String conversationId, long seq) {
        return conversations.requireMember(conversationId, userId).thenCompose(c -> store
                .history(conversationId, new HistoryQuery(HistoryQuery.Direction.AFTER, seq - 1, false, 1))
                .thenCombine(store.watermarks(conversationId), (msgs, marks) -> {
                    if (msgs.isEmpty() || msgs.get(0).seq() != seq) {
                        throw new ParleyException(ErrorCode.MESSAGE_NOT_FOUND, "no message " + seq);
                    }
                    String sender = msgs.get(0).senderId();
                    List<ServerFrame.MemberReceipt> members = new ArrayList<>();
                    int lowest = 2;
                    for (String member : c.members()) {
                        if (member.equals(sender)) {
                            continue;
                        }
                        Watermarks w = marks.getOrDefault(member, Watermarks.NONE);
                        int level = w.readUpTo() >= seq ? 2 : w.deliveredUpTo() >= seq ? 1 : 0;
                        lowest = Math.min(lowest, level);
                        members.add(new ServerFrame.MemberReceipt(member, STATUS[level], w.deliveredUpTo(), w.readUpTo()));
                    }
                    return new ServerFrame.MessageInfoReply(requestId, conversationId, seq, members,
                            members.isEmpty() ? "sent" : STATUS[lowest]);
                }));
    }

    private static final String[] STATUS = {"sent", "delivered", "read"};

    /** Tells the other members' connected devices that the user is typing; nothing is stored. */
    public CompletionStage<Void> typing(String userId, String conversationId, String state) {
        return conversations.requireMember(conversationId, userId).thenAccept(c -> {
            List<String> others = c.members().stream().filter(m -> !m.equals(userId)).toList();
            router.ephemeral(others, new ServerFrame.TypingEvent(conversationId, userId, state));
        });
    }

    /** The conversation view with its last sequence number. */
    public CompletionStage<ServerFrame.ConversationView> view(Conversation c) {
        return store.lastSeq(c.id()).thenApply(last -> Views.conversation(c, last));
    }

    /** UTF-8 length without allocating the encoded bytes. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
