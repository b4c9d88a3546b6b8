package dev.parley.store.rocksdb;

import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageIds;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The write operations, run by the committer against a {@link Txn}. Each one either returns
 * (its staged writes then commit with its group) or throws (they are dropped). Committer thread only.
 */
final class Writes {
    /** Above this many newly covered messages, a receipt goes to every other member without a scan. */
    static final long RECEIPT_SCAN_LIMIT = 10_000;

    private final Clock clock;
    private final MessageIds ids = new MessageIds();

    Writes(Clock clock) {
        this.clock = clock;
    }

    /** Server time at millisecond precision, the precision of the wire protocol. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- accounts

    boolean createUser(Txn txn, User user) {
        byte[] key = Keys.user(user.id());
        if (txn.get(Cf.USERS, key) != null) {
            return false;
        }
        txn.put(Cf.USERS, key, Codec.user(user));
        return true;
    }

    Void updateUser(Txn txn, User user) {
        byte[] key = Keys.user(user.id());
        if (txn.get(Cf.USERS, key) == null) {
            throw new ParleyException(ErrorCode.USER_NOT_FOUND, "user not found");
        }
        txn.put(Cf.USERS, key, Codec.user(user));
        return null;
    }

    Void putDevice(Txn txn, Device device) {
        byte[] key = Keys.device(device.userId(), device.deviceId());
        byte[] old = txn.get(Cf.DEVICES, key);
        if (old != null) {
            String oldToken = Codec.device(old).tokenHash();
            if (!oldToken.equals(device.tokenHash())) {
                deleteTokenIfOurs(txn, oldToken, key);
            }
        }
        txn.put(Cf.DEVICES, key, Codec.device(device));
        txn.put(Cf.DEVICE_BY_TOKEN, Keys.token(device.tokenHash()), key);
        return null;
    }

    /** Adds a device unless its user has {@code maxDevices}; the committer serialises every addition. */
    boolean addDevice(Txn txn, Device device, int maxDevices) {
        byte[] key = Keys.device(device.userId(), device.deviceId());
        if (txn.get(Cf.DEVICES, key) == null
                && txn.countKeys(Cf.DEVICES, Keys.devicePrefix(device.userId())) >= maxDevices) {
            return false;
        }
        putDevice(txn, device);
        return true;
    }

    boolean deleteDevice(Txn txn, String userId, String deviceId) {
        byte[] key = Keys.device(userId, deviceId);
        byte[] old = txn.get(Cf.DEVICES, key);
        if (old == null) {
            return false;
        }
        deleteTokenIfOurs(txn, Codec.device(old).tokenHash(), key);
        txn.delete(Cf.DEVICES, key);
        txn.delete(Cf.CURSORS, Keys.deviceCursor(userId, deviceId));
        return true;
    }

    private static void deleteTokenIfOurs(Txn txn, String tokenHash, byte[] deviceKey) {
        byte[] tokenKey = Keys.token(tokenHash);
        byte[] owner = txn.get(Cf.DEVICE_BY_TOKEN, tokenKey);
        if (owner != null && java.util.Arrays.equals(owner, deviceKey)) {
            txn.delete(Cf.DEVICE_BY_TOKEN, tokenKey);
        }
    }

    // ---- contacts

    boolean addContact(Txn txn, String ownerId, String contactId) {
        byte[] key = Keys.contact(ownerId, contactId);
        if (txn.get(Cf.CONTACTS, key) != null) {
            return false;
        }
        txn.put(Cf.CONTACTS, key, new byte[0]);
        return true;
    }

    boolean removeContact(Txn txn, String ownerId, String contactId) {
        byte[] key = Keys.contact(ownerId, contactId);
        if (txn.get(Cf.CONTACTS, key) == null) {
            return false;
        }
        txn.delete(Cf.CONTACTS, key);
        return true;
    }

    Void setGroupAddPolicy(Txn txn, String userId, GroupAddPolicy policy) {
        txn.put(Cf.USER_SETTINGS, Keys.user(userId), Codec.groupAddPolicy(policy));
        return null;
    }

    // ---- conversations

    ConversationWrite createConversation(Txn txn, Conversation conversation, String actorId) {
        Conversation existing = txn.conversation(conversation.id());
        if (existing != null) {
            return new ConversationWrite(existing, false, Map.of());
        }
        txn.putConversation(conversation);
        for (String member : conversation.members()) {
            txn.put(Cf.USER_CONVERSATIONS, Keys.userConversation(member, conversation.id()), new byte[0]);
        }
        InboxEvent event = conversation.creation(actorId);
        Map<String, InboxEntry> entries = appendToInboxes(txn, new LinkedHashSet<>(conversation.members()), now(),
                event);
        return new ConversationWrite(conversation, true, entries);
    }

    ConversationWrite updateConversation(Txn txn, Conversation updated, InboxEvent.MembershipChanged event,
                               List<String> notify) {
        Conversation stored = txn.conversation(updated.id());
        if (stored == null) {
            throw notFound();
        }
        if (stored.version() != updated.version() - 1) {
            return new ConversationWrite(stored, false, Map.of());
        }
        txn.putConversation(updated);
        Set<String> after = new HashSet<>(updated.members());
        for (String old : stored.members()) {
            if (!after.contains(old)) {
                txn.delete(Cf.USER_CONVERSATIONS, Keys.userConversation(old, updated.id()));
            }
        }
        for (String member : updated.members()) {
            if (!stored.hasMember(member)) {
                txn.put(Cf.USER_CONVERSATIONS, Keys.userConversation(member, updated.id()), new byte[0]);
            }
        }
        return new ConversationWrite(updated, true, appendToInboxes(txn, new LinkedHashSet<>(notify), now(), event));
    }

    // ---- messages

    AppendResult appendMessage(Txn txn, NewMessage m) {
        byte[] idemKey = Keys.idempotency(m.senderId(), m.senderDeviceId(), m.conversationId(), m.clientMsgId());
        byte[] seen = txn.get(Cf.IDEMPOTENCY, idemKey);
        if (seen != null) {
            Codec.MessageRef ref = Codec.messageRef(seen);
            byte[] first = txn.get(Cf.MESSAGES, Keys.message(ref.conversationId(), ref.seq()));
            if (first == null) {
                throw new IllegalStateException("idempotency key refers to a missing message");
            }
            return new AppendResult(Codec.message(ref.conversationId(), ref.seq(), first), true, Map.of());
        }
        Conversation conv = member(txn, m.conversationId(), m.senderId());
        Txn.ConvHead head = txn.convHead(conv.id());
        long seq = head.lastSeq() + 1;
        Instant now = now();
        Instant ts = now.isBefore(head.lastTimestamp()) ? head.lastTimestamp() : now;
        StoredMessage stored = new StoredMessage(conv.id(), seq, ids.next(ts.toEpochMilli()), m.senderId(),
                m.senderDeviceId(), m.clientMsgId(), ts, m.body(), m.contentType());
        txn.put(Cf.MESSAGES, Keys.message(conv.id(), seq), Codec.message(stored));
        txn.put(Cf.IDEMPOTENCY, idemKey, Codec.messageRef(conv.id(), seq));
        txn.setConvHead(conv.id(), head.next(ts, m.senderId()));
        Map<String, InboxEntry> entries = appendToInboxes(txn, new LinkedHashSet<>(conv.members()), ts,
                new InboxEvent.MessageAdded(stored));
        return new AppendResult(stored, false, entries);
    }

    Void saveDeviceCursor(Txn txn, String userId, String deviceId, long cursor) {
        byte[] key = Keys.deviceCursor(userId, deviceId);
        byte[] old = txn.get(Cf.CURSORS, key);
        if (old == null || Codec.u64(old) < cursor) {
            txn.put(Cf.CURSORS, key, Codec.u64(cursor));
        }
        return null;
    }

    Map<String, InboxEntry> advanceWatermark(Txn txn, String conversationId, String userId, ReceiptKind kind,
                                             long upTo) {
        Conversation conv = txn.conversation(conversationId);
        if (conv == null || !conv.hasMember(userId)) {
            // A removed member may still acknowledge inbox entries of the conversation: nothing to do.
            return Map.of();
        }
        Txn.ConvHead head = txn.convHead(conversationId);
        long capped = Math.min(upTo, head.lastSeq());
        byte[] key = Keys.watermark(conversationId, userId);
        byte[] storedBytes = txn.get(Cf.WATERMARKS, key);
        Watermarks wm = storedBytes == null ? Watermarks.NONE : Codec.watermarks(storedBytes);
        long old = kind == ReceiptKind.READ ? wm.readUpTo() : wm.deliveredUpTo();
        if (capped <= old) {
            return Map.of();
        }
        Watermarks raised = kind == ReceiptKind.READ
                ? new Watermarks(Math.max(wm.deliveredUpTo(), capped), capped)
                : new Watermarks(capped, wm.readUpTo());
        txn.put(Cf.WATERMARKS, key, Codec.watermarks(raised));

        Set<String> senders = new HashSet<>();
        if (capped - old > RECEIPT_SCAN_LIMIT) {
            senders.addAll(conv.members());
        } else if (!head.recentSenders().collect(old, capped, senders)) {
            senders = senders(txn, conversationId, old, capped);
        }
        Set<String> recipients = new LinkedHashSet<>();
        for (String member : conv.members()) {
            boolean otherSender = !member.equals(userId) && senders.contains(member);
            boolean self = kind == ReceiptKind.READ && member.equals(userId);
            if (otherSender || self) {
                recipients.add(member);
            }
        }
        return appendToInboxes(txn, recipients, now(),
                new InboxEvent.ReceiptAdvanced(conversationId, userId, kind, capped));
    }

    List<InboxEntry> acknowledge(Txn txn, String userId, String deviceId, Map<String, Long> deliveredUpTo,
                                 long cursor) {
        List<InboxEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Long> e : deliveredUpTo.entrySet()) {
            entries.addAll(advanceWatermark(txn, e.getKey(), userId, ReceiptKind.DELIVERED, e.getValue()).values());
        }
        saveDeviceCursor(txn, userId, deviceId, cursor);
        return entries;
    }

    /** Senders of the messages in (after, upTo]: committed ones by one scan, pending ones from the txn. */
    private static Set<String> senders(Txn txn, String conversationId, long after, long upTo) {
        Set<String> senders = new HashSet<>();
        byte[] prefix = Keys.messagePrefix(conversationId);
        long seen = after;
        try (RocksIterator it = txn.committedIterator(Cf.MESSAGES)) {
            for (it.seek(Keys.message(conversationId, after + 1)); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!Keys.startsWith(k, prefix) || Keys.trailingU64(k) > upTo) {
                    break;
                }
                seen = Keys.trailingU64(k);
                senders.add(Codec.messageSender(it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw Txn.unavailable("store read failed", e);
        }
        for (long seq = seen + 1; seq <= upTo; seq++) {
            byte[] v = txn.get(Cf.MESSAGES, Keys.message(conversationId, seq));
            if (v != null) {
                senders.add(Codec.messageSender(v));
            }
        }
        return senders;
    }

    // ---- inbox retention

    /** A run of old entries [fromCursor, toCursor) of one inbox, found by a scan of a snapshot. */
    record PruneRange(String userId, long fromCursor, long toCursor) {
    }

    long prune(Txn txn, List<PruneRange> ranges) {
        long deleted = 0;
        for (PruneRange r : ranges) {
            txn.deleteRange(Cf.INBOX, Keys.inbox(r.userId(), r.fromCursor()), Keys.inbox(r.userId(), r.toCursor()));
            // Remember the head: the range may have held the newest entry, which the head is derived from.
            byte[] metaKey = Keys.inboxHeadMeta(r.userId());
            byte[] head = txn.get(Cf.META, metaKey);
            if (head == null || Codec.u64(head) < r.toCursor() - 1) {
                txn.put(Cf.META, metaKey, Codec.u64(r.toCursor() - 1));
            }
            deleted += r.toCursor() - r.fromCursor();
        }
        return deleted;
    }

    // ---- helpers

    private static Conversation member(Txn txn, String conversationId, String userId) {
        Conversation conv = txn.conversation(conversationId);
        if (conv == null || !conv.hasMember(userId)) {
            throw notFound();
        }
        return conv;
    }

    private static Map<String, InboxEntry> appendToInboxes(Txn txn, Set<String> users, Instant ts, InboxEvent event) {
        byte[] value = Codec.inboxEvent(ts, event);
        Map<String, InboxEntry> entries = new LinkedHashMap<>();
        for (String user : users) {
            long cursor = txn.nextInboxCursor(user);
            txn.put(Cf.INBOX, Keys.inbox(user, cursor), value);
            entries.put(user, new InboxEntry(user, cursor, ts, event));
        }
        return Collections.unmodifiableMap(entries);
    }

    private static ParleyException notFound() {
        return new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "conversation not found");
    }
}
