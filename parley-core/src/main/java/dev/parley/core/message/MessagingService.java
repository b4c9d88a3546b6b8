package dev.parley.core.message;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * Sending, history, receipts and typing, in the core's own terms: requests come as domain values
 * and results are records of this package (the protocol edge maps frames to calls and results to
 * frames). Every inbox entry a call writes leaves through the one {@link InboxPublisher}.
 */
public final class MessagingService {
    /**
     * Most bytes of messages in one page of history (past its first message): a short request
     * cannot buy a reply of any size. Far above what a page of ordinary messages takes, and far
     * below the outbound hard limit of a connection.
     */
    public static final int MAX_PAGE_BYTES = 256 * 1024;

    private final MessageStore store;
    private final Membership membership;
    private final InboxPublisher inbox;
    private final TypingRelay typingRelay;
    private final NewMessageListener onNewMessage;
    private final ToIntFunction<StoredMessage> encodedSize;
    private final LongSupplier ticker;
    private final int maxBodyBytes;
    private final Counter sent;
    private final Counter duplicates;
    private final Timer appendTimer;

    /**
     * @param encodedSize  bytes a message takes on the wire, for the byte bound of a history page
     *                     (the protocol edge knows the encoding)
     * @param ticker       monotonic nanoseconds, for the append timer
     */
    public MessagingService(MessageStore store, Membership membership, InboxPublisher inbox, TypingRelay typingRelay,
                            NewMessageListener onNewMessage, ToIntFunction<StoredMessage> encodedSize,
                            int maxBodyBytes, LongSupplier ticker, MeterRegistry meters) {
        this.store = Objects.requireNonNull(store, "store");
        this.membership = Objects.requireNonNull(membership, "membership");
        this.inbox = Objects.requireNonNull(inbox, "inbox");
        this.typingRelay = Objects.requireNonNull(typingRelay, "typingRelay");
        this.onNewMessage = Objects.requireNonNull(onNewMessage, "onNewMessage");
        this.encodedSize = Objects.requireNonNull(encodedSize, "encodedSize");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.maxBodyBytes = maxBodyBytes;
        this.sent = meters.counter("parley.messages.sent");
        this.duplicates = meters.counter("parley.messages.duplicates");
        this.appendTimer = Timer.builder("parley.store.append").publishPercentiles(0.5, 0.99).register(meters);
    }

    /**
     * Stores a message durably and announces it; completion is the ✓. A retried send (same
     * device, same clientMsgId) completes with the first message and {@code duplicate = true}.
     * Fails with {@code MESSAGE_TOO_LARGE} for a body over the limit.
     */
    public CompletionStage<AppendResult> send(NewMessage m) {
        if (utf8Length(m.body()) > maxBodyBytes) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.MESSAGE_TOO_LARGE,
                    "body exceeds " + maxBodyBytes + " bytes"));
        }
        long start = ticker.getAsLong();
        return store.appendMessage(m).thenApply(r -> {
            appendTimer.record(ticker.getAsLong() - start, TimeUnit.NANOSECONDS);
            if (r.duplicate()) {
                duplicates.increment();
            } else {
                sent.increment();
                inbox.publish(r.inboxEntries());
                List<String> recipients = new ArrayList<>(r.recipients());
                recipients.remove(m.senderId());
                onNewMessage.messageStored(r.message(), recipients);
            }
            return r;
        });
    }

    /**
     * A page of history for a member, oldest first: at most {@code query.limit()} messages and,
     * past the first, at most {@link #MAX_PAGE_BYTES} of encoded messages; {@code hasMore} says a
     * next page exists.
     */
    public CompletionStage<HistoryPage> history(String userId, String conversationId, HistoryQuery query) {
        int limit = query.limit();
        HistoryQuery q = query.withLimit(limit + 1);
        return membership.membersFor(conversationId, userId)
                .thenCompose(members -> store.history(conversationId, q))
                .thenApply(list -> {
                    boolean more = list.size() > limit;
                    boolean after = q.direction() == HistoryQuery.Direction.AFTER;
                    List<StoredMessage> page = !more ? list : after ? list.subList(0, limit) : list.subList(1, list.size());
                    List<StoredMessage> fitting = withinBytes(page, after, MAX_PAGE_BYTES, encodedSize);
                    return new HistoryPage(conversationId, fitting, more || fitting.size() < page.size());
                });
    }

    /**
     * The longest run of {@code messages} whose encoding fits {@code budget} bytes, kept from the
     * end nearest the query's anchor (the start when paging forward, the end when paging back),
     * and never empty: a small request must not buy a reply of any size, and the next page starts
     * where this one stopped.
     */
    static <T> List<T> withinBytes(List<T> messages, boolean fromStart, int budget, ToIntFunction<? super T> size) {
        int n = messages.size();
        int used = 0;
        int kept = 0;
        while (kept < n) {
            int bytes = size.applyAsInt(messages.get(fromStart ? kept : n - 1 - kept));
            if (kept > 0 && used + bytes > budget) {
                break;
            }
            used += bytes;
            kept++;
        }
        return fromStart ? messages.subList(0, kept) : messages.subList(n - kept, n);
    }

    /** Marks the conversation read up to {@code upTo} for the user. */
    public CompletionStage<Void> markRead(String userId, String conversationId, long upTo) {
        return membership.membersFor(conversationId, userId)
                .thenCompose(c -> store.advanceWatermark(conversationId, userId, ReceiptKind.READ, upTo))
                .thenAccept(inbox::publish);
    }

    /**
     * A device acknowledged its inbox up to {@code cursor}, which delivered the messages of others
     * up to {@code deliveredUpTo} (highest sequence number per conversation): raises the watermarks
     * and the device's cursor, and publishes the receipts to their senders.
     */
    public CompletionStage<Void> acknowledged(String userId, String deviceId, Map<String, Long> deliveredUpTo,
                                              long cursor) {
        return store.acknowledge(userId, deviceId, deliveredUpTo, cursor).thenAccept(inbox::publish);
    }

    /** Per-member receipt status of one message; fails with {@code MESSAGE_NOT_FOUND} for a missing one. */
    public CompletionStage<MessageInfo> messageInfo(String userId, String conversationId, long seq) {
        return membership.membersFor(conversationId, userId).thenCompose(members -> store
                .history(conversationId, new HistoryQuery(HistoryQuery.Direction.AFTER, seq - 1, false, 1))
                .thenCombine(store.watermarks(conversationId), (msgs, marks) -> {
                    if (msgs.isEmpty() || msgs.get(0).seq() != seq) {
                        throw new ParleyException(ErrorCode.MESSAGE_NOT_FOUND, "no message " + seq);
                    }
                    String sender = msgs.get(0).senderId();
                    List<MessageInfo.MemberStatus> statuses = new ArrayList<>();
                    MessageInfo.Status lowest = MessageInfo.Status.READ;
                    for (String member : members) {
                        if (member.equals(sender)) {
                            continue;
                        }
                        Watermarks w = marks.getOrDefault(member, Watermarks.NONE);
                        MessageInfo.Status status = w.readUpTo() >= seq ? MessageInfo.Status.READ
                                : w.deliveredUpTo() >= seq ? MessageInfo.Status.DELIVERED : MessageInfo.Status.SENT;
                        if (status.compareTo(lowest) < 0) {
                            lowest = status;
                        }
                        statuses.add(new MessageInfo.MemberStatus(member, status, w.deliveredUpTo(), w.readUpTo()));
                    }
                    return new MessageInfo(conversationId, seq, statuses,
                            statuses.isEmpty() ? MessageInfo.Status.SENT : lowest);
                }));
    }

    /** Tells the other members' connected devices that the user is typing; nothing is stored. */
    public CompletionStage<Void> typing(String userId, String conversationId, String state) {
        return membership.membersFor(conversationId, userId).thenAccept(members -> {
            List<String> others = members.stream().filter(m -> !m.equals(userId)).toList();
            typingRelay.typing(others, conversationId, userId, state);
        });
    }

    /** The highest sequence number of the conversation, 0 when empty (a conversation's view shows it). */
    public CompletionStage<Long> lastSeq(String conversationId) {
        return store.lastSeq(conversationId);
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
