package dev.parley.core.message;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Port: the conversation log (messages), the per-user inboxes, device cursors and receipt
 * watermarks. Conversations themselves, and the membership entries their changes write to these
 * inboxes, are the {@link dev.parley.core.conversation.ConversationStore}'s: an adapter
 * implements both over one transaction (a message is appended under the membership it was sent
 * in), usually in one class.
 *
 * <p>Guarantees every adapter keeps (the contract suite, {@code MessageStoreContract}, checks them):
 * <ul>
 *   <li><b>Durable</b>: a completed write survives {@code kill -9} of the process.</li>
 *   <li><b>Atomic</b>: each write method is all-or-nothing as its caller sees it: when the stage
 *       completes, the message (or receipt) and every inbox entry it produces are durable. An
 *       adapter without multi-partition transactions may make them visible one by one, but
 *       then a retry of the same call (same sender device and client message id for a message)
 *       must complete a fan-out that a crash interrupted, and the entries of one conversation
 *       must still reach every inbox in sequence order.</li>
 *   <li><b>Ordered</b>: sequence numbers of a conversation and cursors of an inbox are 1, 2, 3, …
 *       with no gaps, in commit order, and message timestamps never decrease along a
 *       conversation. Once {@link #readInbox} has returned cursor n, every entry below n is
 *       readable too (unless pruned).</li>
 *   <li><b>Idempotent</b>: a re-sent message (same device, conversation and client id) is
 *       answered with the first one and writes nothing; watermarks and device cursors only
 *       rise, so repeating a receipt or an acknowledgement changes nothing.</li>
 * </ul>
 * All methods are asynchronous and must not block the caller's thread. Null arguments are
 * programming errors; every other failure completes the stage exceptionally with a
 * {@link dev.parley.protocol.ParleyException}: {@code CONVERSATION_NOT_FOUND} where a method
 * says so, {@code UNAVAILABLE} when the backing store cannot be reached or is overloaded.
 */
public interface MessageStore extends InboxWriter {

    /**
     * Appends a message, idempotently: if the sender device already sent {@code clientMsgId} to
     * this conversation, the first message is returned with {@code duplicate = true} (the key is
     * device, conversation and client id: a partitioned log decides it where the conversation is
     * sequenced, with no lookup across conversations). Otherwise assigns the next sequence
     * number and a timestamp not below the previous message's, and appends a
     * {@link InboxEvent.MessageAdded} entry to the inbox of every current member (sender included).
     * Fails with {@code CONVERSATION_NOT_FOUND} when the conversation is missing or the sender is
     * not a member at commit time.
     */
    CompletionStage<AppendResult> appendMessage(NewMessage message);

    /** A page of the conversation's log, oldest first; see {@link HistoryQuery}. Empty for an unknown conversation. */
    CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query);

    /** The highest sequence number of the conversation, 0 when empty. */
    CompletionStage<Long> lastSeq(String conversationId);

    /** Up to {@code limit} inbox entries of the user with cursor greater than {@code after}, in order. */
    CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit);

    /** The user's highest inbox cursor, 0 when empty. */
    CompletionStage<Long> inboxHead(String userId);

    /** The cursor the device last acknowledged, 0 when never. */
    CompletionStage<Long> deviceCursor(String userId, String deviceId);

    /** Raises the device's acknowledged cursor to {@code cursor}; never lowers it. */
    CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor);

    /**
     * Raises the user's {@code kind} watermark in the conversation to {@code upTo} (capped at the
     * conversation's last sequence; READ also raises DELIVERED). If it rose, appends a
     * {@link InboxEvent.ReceiptAdvanced} entry to the inbox of every other member who sent a
     * message in the newly covered range, and, for READ, to the user's own inbox (so the user's
     * other devices learn what was read). Completes with the entries written (keyed by user id),
     * empty if the watermark did not rise. When the conversation does not exist or the user is not
     * a member, completes empty and writes nothing (a removed member may still acknowledge old
     * entries).
     */
    CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                              ReceiptKind kind, long upTo);

    /**
     * A device's acknowledgement of its inbox up to {@code cursor}: raises the user's DELIVERED
     * watermark in each conversation of {@code deliveredUpTo} as {@link #advanceWatermark} does
     * (a conversation the user is no longer in is skipped), and the device's cursor as
     * {@link #saveDeviceCursor} does. Completes with the receipt entries written.
     *
     * <p>The default makes those calls, the cursor last (should it fail, the client acknowledges
     * again and the watermarks, being idempotent, rise again). A store that can writes it all at
     * once: it is a write on every acknowledgement of every device.
     */
    default CompletionStage<List<InboxEntry>> acknowledge(String userId, String deviceId,
                                                         Map<String, Long> deliveredUpTo, long cursor) {
        List<CompletableFuture<Map<String, InboxEntry>>> raised = new ArrayList<>();
        for (Map.Entry<String, Long> e : deliveredUpTo.entrySet()) {
            raised.add(advanceWatermark(e.getKey(), userId, ReceiptKind.DELIVERED, e.getValue())
                    .exceptionally(t -> {
                        if (ParleyException.from(t).code() == ErrorCode.CONVERSATION_NOT_FOUND) {
                            return Map.of();
                        }
                        throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                    })
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(raised.toArray(CompletableFuture[]::new))
                .thenCompose(v -> saveDeviceCursor(userId, deviceId, cursor))
                .thenApply(v -> raised.stream().flatMap(f -> f.join().values().stream()).toList());
    }

    /**
     * Every current member's watermarks in the conversation (members who have none map to
     * {@link Watermarks#NONE}); empty when the conversation does not exist.
     */
    CompletionStage<Map<String, Watermarks>> watermarks(String conversationId);

    /**
     * Deletes inbox entries older than {@code cutoff}; completes with how many were deleted. Inbox
     * heads are kept, so cursors continue after a fully pruned inbox; the log is not pruned.
     */
    CompletionStage<Long> pruneInboxes(Instant cutoff);
}
