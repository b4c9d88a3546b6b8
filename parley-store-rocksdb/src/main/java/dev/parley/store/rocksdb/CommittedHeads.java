package dev.parley.store.rocksdb;

import dev.parley.core.conversation.Conversation;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The committer's cache of committed state: each conversation's last sequence number and
 * timestamp, each inbox's head cursor, recently used conversations, decoded, and the values of
 * the {@link #REMEMBERED} column families. Loaded lazily from RocksDB on first touch (the last
 * key under the prefix; for inboxes also the head recorded in meta by pruning), kept in bounded
 * LRU maps, and safe only because the committer is the single writer. Committer thread only.
 */
final class CommittedHeads {
    private static final int MAX_ENTRIES = 100_000;
    /**
     * Column families whose values the committer remembers: read before nearly every write of
     * theirs (a cursor or watermark only rises), small, and never range-deleted.
     */
    static final Set<Cf> REMEMBERED = EnumSet.of(Cf.CURSORS, Cf.WATERMARKS);
    /** A remembered absence (compared by identity). */
    private static final byte[] ABSENT = new byte[0];

    private final Storage storage;
    private final ReadOptions readOptions;
    private final Map<String, Txn.ConvHead> convHeads = lru();
    private final Map<String, Long> inboxHeads = lru();
    private final Map<String, Conversation> conversations = lru();
    private final EnumMap<Cf, Map<Txn.Key, byte[]>> values = new EnumMap<>(Cf.class);

    CommittedHeads(Storage storage, ReadOptions readOptions) {
        this.storage = storage;
        this.readOptions = readOptions;
        for (Cf cf : REMEMBERED) {
            values.put(cf, lru());
        }
    }

    Txn.ConvHead convHead(String conversationId) {
        Txn.ConvHead h = convHeads.get(conversationId);
        if (h == null) {
            h = loadConvHead(storage, readOptions, conversationId);
            convHeads.put(conversationId, h);
        }
        return h;
    }

    long inboxHead(String userId) {
        Long h = inboxHeads.get(userId);
        if (h == null) {
            h = loadInboxHead(storage, readOptions, userId);
            inboxHeads.put(userId, h);
        }
        return h;
    }

    /** The committed conversation, or null when there is none (absence is not cached). */
    Conversation conversation(String conversationId) {
        Conversation c = conversations.get(conversationId);
        if (c == null) {
            try {
                byte[] v = storage.db.get(storage.handle(Cf.CONVERSATIONS), readOptions, Keys.conversation(conversationId));
                if (v == null) {
                    return null;
                }
                c = Codec.conversation(v);
            } catch (RocksDBException e) {
                throw Txn.unavailable("store read failed", e);
            }
            conversations.put(conversationId, c);
        }
        return c;
    }

    /** The committed value of a key of a {@link #REMEMBERED} column family, or null when there is none. */
    byte[] value(Cf cf, Txn.Key key) {
        Map<Txn.Key, byte[]> m = values.get(cf);
        byte[] v = m.get(key);
        if (v == null) {
            try {
                v = storage.db.get(storage.handle(cf), readOptions, key.bytes);
            } catch (RocksDBException e) {
                throw Txn.unavailable("store read failed", e);
            }
            m.put(key, v == null ? ABSENT : v);
            return v;
        }
        return v == ABSENT ? null : v;
    }

    /** Records a committed write of a {@link #REMEMBERED} column family; null for a delete. */
    void putValue(Cf cf, Txn.Key key, byte[] value) {
        values.get(cf).put(key, value == null ? ABSENT : value);
    }

    void putConversation(String conversationId, Conversation conversation) {
        conversations.put(conversationId, conversation);
    }

    void putConvHead(String conversationId, Txn.ConvHead head) {
        convHeads.put(conversationId, head);
    }

    void putInboxHead(String userId, long head) {
        inboxHeads.put(userId, head);
    }

    /** Forgets everything; the next touch reloads from RocksDB (after a failed write). */
    void clear() {
        convHeads.clear();
        inboxHeads.clear();
        conversations.clear();
        values.values().forEach(Map::clear);
    }

    static Txn.ConvHead loadConvHead(Storage storage, ReadOptions ro, String conversationId) {
        byte[] prefix = Keys.messagePrefix(conversationId);
        try (RocksIterator it = storage.iterator(Cf.MESSAGES, ro)) {
            it.seekForPrev(Keys.messageEnd(conversationId));
            it.status();
            if (it.isValid() && Keys.startsWith(it.key(), prefix)) {
                return new Txn.ConvHead(Keys.trailingU64(it.key()), Codec.messageTimestamp(it.value()));
            }
            return Txn.ConvHead.EMPTY;
        } catch (RocksDBException e) {
            throw Txn.unavailable("store read failed", e);
        }
    }

    static long loadInboxHead(Storage storage, ReadOptions ro, String userId) {
        byte[] prefix = Keys.inboxPrefix(userId);
        long head = 0;
        try (RocksIterator it = storage.iterator(Cf.INBOX, ro)) {
            it.seekForPrev(Keys.inboxEnd(userId));
            it.status();
            if (it.isValid() && Keys.startsWith(it.key(), prefix)) {
                head = Keys.trailingU64(it.key());
            }
            byte[] pruned = storage.db.get(storage.handle(Cf.META), ro, Keys.inboxHeadMeta(userId));
            if (pruned != null) {
                head = Math.max(head, Codec.u64(pruned));
            }
            return head;
        } catch (RocksDBException e) {
            throw Txn.unavailable("store read failed", e);
        }
    }

    private static <K, V> Map<K, V> lru() {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }
}
