package dev.parley.store.rocksdb;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.core.conversation.Conversation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The committer's view while it processes one group: committed state (RocksDB plus the
 * committed caches) overlaid with the writes of the group's earlier successful requests and of
 * the current request. A request that fails is dropped with its writes; the group's writes
 * become one {@link WriteBatch}. Used by the committer thread only.
 *
 * <p>Requests write straight into the group's overlay and log what each write replaced; a failed
 * request is rolled back from that log. Failures are rare, so this beats giving every request
 * its own overlay and merging it into the group's afterwards (which cost a fifth of the
 * committer's time).
 */
final class Txn {
    /** Marks a deleted key in the overlay (compared by identity). */
    private static final byte[] DELETED = new byte[0];

    /**
     * The last message of a conversation: its sequence number and timestamp (EPOCH when none),
     * and who sent the messages before it, as far as the committer has seen them.
     */
    record ConvHead(long lastSeq, Instant lastTimestamp, RecentSenders recentSenders) {
        static final ConvHead EMPTY = new ConvHead(0, Instant.EPOCH);

        /** A head as loaded from disk: the senders of its messages are not known yet. */
        ConvHead(long lastSeq, Instant lastTimestamp) {
            this(lastSeq, lastTimestamp, RecentSenders.unknownUpTo(lastSeq));
        }

        /** The head after the next message. */
        ConvHead next(Instant timestamp, String sender) {
            return new ConvHead(lastSeq + 1, timestamp, recentSenders.append(lastSeq + 1, sender));
        }
    }

    private record RangeDelete(Cf cf, byte[] from, byte[] to) {
    }

    /** A key of the overlay: the bytes with their hash computed once. */
    static final class Key {
        final byte[] bytes;
        final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** What one write of the current request replaced in {@code map} (null: the key was absent). */
    private record Undo(Map<Object, Object> map, Object key, Object previous) {
    }

    private final Storage storage;
    private final CommittedHeads committed;
    private final ReadOptions readOptions;
    private final EnumMap<Cf, Map<Key, byte[]>> kv = new EnumMap<>(Cf.class);
    private final Map<String, ConvHead> convHeads = new HashMap<>();
    private final Map<String, Long> inboxHeads = new HashMap<>();
    /** Conversations written by the group, decoded, so reads in the group need not decode them. */
    private final Map<String, Conversation> conversations = new HashMap<>();
    private final List<RangeDelete> rangeDeletes = new ArrayList<>();
    private final List<Undo> undo = new ArrayList<>();
    private int rangeDeletesAtBegin;

    Txn(Storage storage, CommittedHeads committed, ReadOptions readOptions) {
        this.storage = storage;
        this.committed = committed;
        this.readOptions = readOptions;
    }

    void beginRequest() {
        undo.clear();
        rangeDeletesAtBegin = rangeDeletes.size();
    }

    void commitRequest() {
        undo.clear();
    }

    /** Drops the current request's writes, newest first. */
    void abortRequest() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            Undo u = undo.get(i);
            if (u.previous() == null) {
                u.map().remove(u.key());
            } else {
                u.map().put(u.key(), u.previous());
            }
        }
        undo.clear();
        rangeDeletes.subList(rangeDeletesAtBegin, rangeDeletes.size()).clear();
    }

    boolean hasWrites() {
        return !kv.isEmpty() || !rangeDeletes.isEmpty();
    }

    @SuppressWarnings("unchecked")
    private <K, V> void record(Map<K, V> map, K key, V value) {
        V previous = map.put(key, value);
        undo.add(new Undo((Map<Object, Object>) map, key, previous));
    }

    // ---- key/value view

    /** The value as this request sees it: the group's writes (its own included), then committed state. */
    byte[] get(Cf cf, byte[] key) {
        Key k = new Key(key);
        Map<Key, byte[]> m = kv.get(cf);
        byte[] v = m == null ? null : m.get(k);
        if (v != null) {
            return v == DELETED ? null : v;
        }
        if (CommittedHeads.REMEMBERED.contains(cf)) {
            return committed.value(cf, k);
        }
        try {
            return storage.db.get(storage.handle(cf), readOptions, key);
        } catch (RocksDBException e) {
            throw unavailable("store read failed", e);
        }
    }

    void put(Cf cf, byte[] key, byte[] value) {
        record(kv.computeIfAbsent(cf, c -> new HashMap<>()), new Key(key), value);
    }

    void delete(Cf cf, byte[] key) {
        put(cf, key, DELETED);
    }

    /**
     * Deletes committed keys in [from, to). Not visible through {@link #get}: only used for
     * ranges that no other request of the group reads or writes (old inbox entries).
     */
    void deleteRange(Cf cf, byte[] from, byte[] to) {
        if (CommittedHeads.REMEMBERED.contains(cf)) {
            throw new IllegalArgumentException("range deletes would bypass the committed values of " + cf);
        }
        rangeDeletes.add(new RangeDelete(cf, from, to));
    }

    /**
     * How many keys start with {@code prefix} as this request sees them: committed keys plus the
     * group's writes (its own included), deletions subtracted. Scans the prefix: for small ranges.
     */
    int countKeys(Cf cf, byte[] prefix) {
        java.util.Set<Key> keys = new java.util.HashSet<>();
        try (RocksIterator it = committedIterator(cf)) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                keys.add(new Key(it.key()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw unavailable("store read failed", e);
        }
        Map<Key, byte[]> pending = kv.get(cf);
        if (pending != null) {
            for (Map.Entry<Key, byte[]> e : pending.entrySet()) {
                if (Keys.startsWith(e.getKey().bytes, prefix)) {
                    if (e.getValue() == DELETED) {
                        keys.remove(e.getKey());
                    } else {
                        keys.add(e.getKey());
                    }
                }
            }
        }
        return keys.size();
    }

    /** An iterator over committed state only; callers consult {@link #get} for pending keys. */
    RocksIterator committedIterator(Cf cf) {
        return storage.iterator(cf, readOptions);
    }

    // ---- conversations

    /** The conversation as this request sees it, or null; decoded at most once while it is unchanged. */
    Conversation conversation(String conversationId) {
        Conversation c = conversations.get(conversationId);
        return c != null ? c : committed.conversation(conversationId);
    }

    void putConversation(Conversation conversation) {
        byte[] bytes = Codec.conversation(conversation);
        put(Cf.CONVERSATIONS, Keys.conversation(conversation.id()), bytes);
        // What a later decode of the stored bytes gives, so that the cache never differs from disk.
        record(conversations, conversation.id(), Codec.conversation(bytes));
    }

    // ---- counters

    ConvHead convHead(String conversationId) {
        ConvHead h = convHeads.get(conversationId);
        return h != null ? h : committed.convHead(conversationId);
    }

    void setConvHead(String conversationId, ConvHead head) {
        record(convHeads, conversationId, head);
    }

    /** Takes the next cursor of the user's inbox. */
    long nextInboxCursor(String userId) {
        Long h = inboxHeads.get(userId);
        long next = (h != null ? h : committed.inboxHead(userId)) + 1;
        record(inboxHeads, userId, next);
        return next;
    }

    // ---- commit

    /** Writes the group's successful requests into {@code batch}. */
    void fill(WriteBatch batch) throws RocksDBException {
        for (RangeDelete r : rangeDeletes) {
            batch.deleteRange(storage.handle(r.cf()), r.from(), r.to());
        }
        for (Map.Entry<Cf, Map<Key, byte[]>> e : kv.entrySet()) {
            var handle = storage.handle(e.getKey());
            for (Map.Entry<Key, byte[]> entry : e.getValue().entrySet()) {
                byte[] key = entry.getKey().bytes;
                if (entry.getValue() == DELETED) {
                    batch.delete(handle, key);
                } else {
                    batch.put(handle, key, entry.getValue());
                }
            }
        }
    }

    /** After the batch is durable: the group's counters and conversations become committed state. */
    void publish() {
        convHeads.forEach(committed::putConvHead);
        inboxHeads.forEach(committed::putInboxHead);
        conversations.forEach(committed::putConversation);
        for (Cf cf : CommittedHeads.REMEMBERED) {
            Map<Key, byte[]> written = kv.get(cf);
            if (written != null) {
                written.forEach((k, v) -> committed.putValue(cf, k, v == DELETED ? null : v));
            }
        }
    }

    static ParleyException unavailable(String message, RocksDBException e) {
        return new ParleyException(ErrorCode.UNAVAILABLE, message + ": " + e.getMessage(), e);
    }
}
