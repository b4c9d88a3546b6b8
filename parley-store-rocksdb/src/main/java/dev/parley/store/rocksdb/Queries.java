package dev.parley.store.rocksdb;

import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read operations. Each runs on one RocksDB snapshot, so a multi-key read (an inbox page and
 * the messages it refers to, a history page) sees a single committed state. Thread-safe; run on
 * the store's read executor.
 */
final class Queries {
    private static final Logger log = LoggerFactory.getLogger(Queries.class);

    @FunctionalInterface
    private interface Read<T> {
        T run(ReadOptions ro) throws RocksDBException;
    }

    private final Storage storage;

    Queries(Storage storage) {
        this.storage = storage;
    }

    private <T> T read(Read<T> body) {
        Snapshot snapshot = storage.db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            return body.run(ro);
        } catch (RocksDBException e) {
            throw Txn.unavailable("store read failed", e);
        } finally {
            storage.db.releaseSnapshot(snapshot);
        }
    }

    private byte[] get(ReadOptions ro, Cf cf, byte[] key) throws RocksDBException {
        return storage.db.get(storage.handle(cf), ro, key);
    }

    @FunctionalInterface
    private interface EntryConsumer {
        void accept(byte[] key, byte[] value);
    }

    /** Visits every entry whose key starts with {@code prefix}, in key order. */
    private void scan(ReadOptions ro, Cf cf, byte[] prefix, EntryConsumer consumer) throws RocksDBException {
        try (RocksIterator it = storage.iterator(cf, ro)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!Keys.startsWith(k, prefix)) {
                    break;
                }
                consumer.accept(k, it.value());
            }
            it.status();
        }
    }

    // ---- accounts

    Optional<User> findUser(String userId) {
        return read(ro -> Optional.ofNullable(get(ro, Cf.USERS, Keys.user(userId))).map(Codec::user));
    }

    Optional<Device> findDeviceByTokenHash(String tokenHash) {
        return read(ro -> {
            byte[] deviceKey = get(ro, Cf.DEVICE_BY_TOKEN, Keys.token(tokenHash));
            if (deviceKey == null) {
                return Optional.empty();
            }
            byte[] v = get(ro, Cf.DEVICES, deviceKey);
            return Optional.ofNullable(v).map(Codec::device).filter(d -> d.tokenHash().equals(tokenHash));
        });
    }

    List<Device> devicesOf(String userId) {
        return read(ro -> {
            List<Device> out = new ArrayList<>();
            scan(ro, Cf.DEVICES, Keys.devicePrefix(userId), (k, v) -> out.add(Codec.device(v)));
            return List.copyOf(out);
        });
    }

    long deviceCursor(String userId, String deviceId) {
        return read(ro -> {
            byte[] v = get(ro, Cf.CURSORS, Keys.deviceCursor(userId, deviceId));
            return v == null ? 0L : Codec.u64(v);
        });
    }

    // ---- contacts

    List<String> contactsOf(String ownerId) {
        return read(ro -> {
            byte[] prefix = Keys.contactPrefix(ownerId);
            List<String> out = new ArrayList<>();
            scan(ro, Cf.CONTACTS, prefix, (k, v) -> out.add(Keys.trailingString(k, prefix.length)));
            return List.copyOf(out);
        });
    }

    boolean hasContact(String ownerId, String contactId) {
        return read(ro -> get(ro, Cf.CONTACTS, Keys.contact(ownerId, contactId)) != null);
    }

    GroupAddPolicy groupAddPolicy(String userId) {
        return read(ro -> {
            byte[] v = get(ro, Cf.USER_SETTINGS, Keys.user(userId));
            return v == null ? GroupAddPolicy.DEFAULT : Codec.groupAddPolicy(v);
        });
    }

    // ---- conversations

    Optional<Conversation> findConversation(String conversationId) {
        return read(ro -> Optional.ofNullable(get(ro, Cf.CONVERSATIONS, Keys.conversation(conversationId)))
                .map(Codec::conversation));
    }

    List<Conversation> conversationsOf(String userId) {
        return read(ro -> {
            byte[] prefix = Keys.userConversationPrefix(userId);
            List<String> ids = new ArrayList<>();
            scan(ro, Cf.USER_CONVERSATIONS, prefix, (k, v) -> ids.add(Keys.trailingString(k, prefix.length)));
            List<Conversation> out = new ArrayList<>(ids.size());
            for (String id : ids) {
                byte[] v = get(ro, Cf.CONVERSATIONS, Keys.conversation(id));
                if (v != null) {
                    out.add(Codec.conversation(v));
                } else {
                    log.error("membership index names a missing conversation");
                }
            }
            return List.copyOf(out);
        });
    }

    Map<String, Watermarks> watermarks(String conversationId) {
        return read(ro -> {
            byte[] c = get(ro, Cf.CONVERSATIONS, Keys.conversation(conversationId));
            if (c == null) {
                return Map.of();
            }
            Map<String, Watermarks> out = new LinkedHashMap<>();
            for (String member : Codec.conversation(c).members()) {
                out.put(member, Watermarks.NONE);
            }
            byte[] prefix = Keys.watermarkPrefix(conversationId);
            scan(ro, Cf.WATERMARKS, prefix, (k, v) -> out.computeIfPresent(Keys.trailingString(k, prefix.length),
                    (user, none) -> Codec.watermarks(v)));
            return Collections.unmodifiableMap(out);
        });
    }

    // ---- message log

    long lastSeq(String conversationId) {
        return read(ro -> CommittedHeads.loadConvHead(storage, ro, conversationId).lastSeq());
    }

    List<StoredMessage> history(String conversationId, HistoryQuery q) {
        return read(ro -> {
            long last = CommittedHeads.loadConvHead(storage, ro, conversationId).lastSeq();
            if (last == 0) {
                return List.of();
            }
            long from;
            long to;
            if (q.byTimestamp()) {
                if (q.direction() == HistoryQuery.Direction.BEFORE) {
                    to = firstSeqWithTimestamp(ro, conversationId, last, q.anchor(), false) - 1;
                    from = Math.max(1, to - q.limit() + 1);
                } else {
                    from = firstSeqWithTimestamp(ro, conversationId, last, q.anchor(), true);
                    to = Math.min(last, from + q.limit() - 1);
                }
            } else if (q.direction() == HistoryQuery.Direction.BEFORE) {
                to = q.anchor() <= 1 ? 0 : Math.min(last, q.anchor() - 1);
                from = Math.max(1, to - q.limit() + 1);
            } else {
                if (q.anchor() >= last) {
                    return List.of();
                }
                from = Math.max(1, q.anchor() + 1);
                to = Math.min(last, from + q.limit() - 1);
            }
            if (from > to) {
                return List.of();
            }
            return range(ro, conversationId, from, to);
        });
    }

    /**
     * The first seq whose timestamp is at or after ({@code strictlyAfter}: after) {@code epochMillis},
     * or {@code last + 1}. Binary search: timestamps never decrease along seq.
     */
    private long firstSeqWithTimestamp(ReadOptions ro, String conversationId, long last, long epochMillis,
                                       boolean strictlyAfter) throws RocksDBException {
        long lo = 1;
        long hi = last + 1;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            byte[] v = get(ro, Cf.MESSAGES, Keys.message(conversationId, mid));
            long ts = Codec.messageTimestamp(v).toEpochMilli();
            boolean past = strictlyAfter ? ts > epochMillis : ts >= epochMillis;
            if (past) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private List<StoredMessage> range(ReadOptions ro, String conversationId, long from, long to)
            throws RocksDBException {
        byte[] prefix = Keys.messagePrefix(conversationId);
        List<StoredMessage> out = new ArrayList<>((int) Math.min(to - from + 1, 1024));
        try (RocksIterator it = storage.iterator(Cf.MESSAGES, ro)) {
            for (it.seek(Keys.message(conversationId, from)); it.isValid(); it.next()) {
                byte[] k = it.key();
                long seq = Keys.trailingU64(k);
                if (!Keys.startsWith(k, prefix) || seq > to) {
                    break;
                }
                out.add(Codec.message(conversationId, seq, it.value()));
            }
            it.status();
        }
        return List.copyOf(out);
    }

    // ---- inboxes

    long inboxHead(String userId) {
        return read(ro -> CommittedHeads.loadInboxHead(storage, ro, userId));
    }

    List<InboxEntry> readInbox(String userId, long after, int limit) {
        if (after == Long.MAX_VALUE) {
            return List.of();
        }
        return read(ro -> {
            byte[] prefix = Keys.inboxPrefix(userId);
            List<InboxEntry> out = new ArrayList<>(Math.min(limit, 1024));
            try (RocksIterator it = storage.iterator(Cf.INBOX, ro)) {
                for (it.seek(Keys.inbox(userId, Math.max(0, after) + 1)); it.isValid() && out.size() < limit;
                     it.next()) {
                    byte[] k = it.key();
                    if (!Keys.startsWith(k, prefix)) {
                        break;
                    }
                    InboxEntry e = resolve(ro, userId, Keys.trailingU64(k), Codec.inbox(it.value()));
                    if (e != null) {
                        out.add(e);
                    }
                }
                it.status();
            }
            return List.copyOf(out);
        });
    }

    private InboxEntry resolve(ReadOptions ro, String userId, long cursor, Codec.InboxValue v)
            throws RocksDBException {
        if (!v.isMessageRef()) {
            return new InboxEntry(userId, cursor, v.timestamp(), v.event());
        }
        byte[] m = get(ro, Cf.MESSAGES, Keys.message(v.refConversationId(), v.refSeq()));
        if (m == null) {
            // Messages are never deleted, so this is corruption; skip the entry rather than wedge the inbox.
            log.error("inbox entry {} of a user refers to a missing message (seq {})", cursor, v.refSeq());
            return null;
        }
        StoredMessage message = Codec.message(v.refConversationId(), v.refSeq(), m);
        return new InboxEntry(userId, cursor, v.timestamp(), new InboxEvent.MessageAdded(message));
    }

    /** One page of a pruning scan: the ranges found, and the key to resume from (null when done). */
    record PrunePage(List<Writes.PruneRange> ranges, byte[] resumeKey) {
    }

    /**
     * Finds, for up to {@code maxInboxes} inboxes starting at {@code startKey}, the leading run of
     * entries older than {@code cutoff}. Only a leading run is ever pruned, so an inbox always
     * holds a contiguous range of cursors ending at its head.
     */
    PrunePage pruneScan(Instant cutoff, byte[] startKey, int maxInboxes) {
        return read(ro -> {
            List<Writes.PruneRange> ranges = new ArrayList<>();
            int inboxes = 0;
            try (RocksIterator it = storage.iterator(Cf.INBOX, ro)) {
                if (startKey == null) {
                    it.seekToFirst();
                } else {
                    it.seek(startKey);
                }
                while (it.isValid()) {
                    if (inboxes == maxInboxes) {
                        return new PrunePage(ranges, it.key());
                    }
                    inboxes++;
                    byte[] first = it.key();
                    int userLen = ((first[0] & 0xFF) << 8) | (first[1] & 0xFF);
                    byte[] prefix = Arrays.copyOf(first, 2 + userLen);
                    String user = Keys.trailingString(prefix, 2);
                    long from = Keys.trailingU64(first);
                    long boundary = from;
                    while (it.isValid() && Keys.startsWith(it.key(), prefix)
                            && Codec.inboxTimestamp(it.value()).isBefore(cutoff)) {
                        boundary = Keys.trailingU64(it.key()) + 1;
                        it.next();
                    }
                    if (boundary > from) {
                        ranges.add(new Writes.PruneRange(user, from, boundary));
                    }
                    it.seek(Keys.inboxEnd(user));
                }
                it.status();
            }
            return new PrunePage(ranges, null);
        });
    }
}
