package dev.parley.store.rocksdb;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The committer's view while it processes one group: committed state (RocksDB plus the
 * committed counters) overlaid with the writes of the group's earlier successful requests and of
 * the current request. A request that fails is dropped with its writes; the group's writes
 * become one {@link WriteBatch}. Used by the committer thread only.
 */
final class Txn {
    /** Marks a deleted key in an overlay (compared by identity). */
    private static final byte[] DELETED = new byte[0];

    /** The last message of a conversation: its sequence number and timestamp (EPOCH when none). */
    record ConvHead(long lastSeq, Instant lastTimestamp) {
        static final ConvHead EMPTY = new ConvHead(0, Instant.EPOCH);
    }

    private record RangeDelete(Cf cf, byte[] from, byte[] to) {
    }

    private static final class Layer {
        final EnumMap<Cf, Map<ByteBuffer, byte[]>> kv = new EnumMap<>(Cf.class);
        final Map<String, ConvHead> convHeads = new HashMap<>();
        final Map<String, Long> inboxHeads = new HashMap<>();
        final List<RangeDelete> rangeDeletes = new ArrayList<>();

        void mergeInto(Layer parent) {
            kv.forEach((cf, m) -> parent.kv.computeIfAbsent(cf, c -> new LinkedHashMap<>()).putAll(m));
            parent.convHeads.putAll(convHeads);
            parent.inboxHeads.putAll(inboxHeads);
            parent.rangeDeletes.addAll(rangeDeletes);
        }

        byte[] get(Cf cf, ByteBuffer key) {
            Map<ByteBuffer, byte[]> m = kv.get(cf);
            return m == null ? null : m.get(key);
        }
    }

    private final Storage storage;
    private final CommittedHeads committed;
    private final ReadOptions readOptions;
    private final Layer group = new Layer();
    private Layer request;

    Txn(Storage storage, CommittedHeads committed, ReadOptions readOptions) {
        this.storage = storage;
        this.committed = committed;
        this.readOptions = readOptions;
    }

    void beginRequest() {
        request = new Layer();
    }

    void commitRequest() {
        request.mergeInto(group);
        request = null;
    }

    void abortRequest() {
        request = null;
    }

    boolean hasWrites() {
        return !group.kv.isEmpty() || !group.rangeDeletes.isEmpty();
    }

    // ---- key/value view

    /** The value as this request sees it: its own writes, then the group's, then committed state. */
    byte[] get(Cf cf, byte[] key) {
        ByteBuffer k = ByteBuffer.wrap(key);
        byte[] v = request.get(cf, k);
        if (v == null) {
            v = group.get(cf, k);
        }
        if (v != null) {
            return v == DELETED ? null : v;
        }
        try {
            return storage.db.get(storage.handle(cf), readOptions, key);
        } catch (RocksDBException e) {
            throw unavailable("store read failed", e);
        }
    }

    void put(Cf cf, byte[] key, byte[] value) {
        request.kv.computeIfAbsent(cf, c -> new LinkedHashMap<>()).put(ByteBuffer.wrap(key), value);
    }

    void delete(Cf cf, byte[] key) {
        request.kv.computeIfAbsent(cf, c -> new LinkedHashMap<>()).put(ByteBuffer.wrap(key), DELETED);
    }

    /**
     * Deletes committed keys in [from, to). Not visible through {@link #get}: only used for
     * ranges that no other request of the group reads or writes (old inbox entries).
     */
    void deleteRange(Cf cf, byte[] from, byte[] to) {
        request.rangeDeletes.add(new RangeDelete(cf, from, to));
    }

    /** An iterator over committed state only; callers consult {@link #get} for pending keys. */
    RocksIterator committedIterator(Cf cf) {
        return storage.iterator(cf, readOptions);
    }

    // ---- counters

    ConvHead convHead(String conversationId) {
        ConvHead h = request.convHeads.get(conversationId);
        if (h == null) {
            h = group.convHeads.get(conversationId);
        }
        return h != null ? h : committed.convHead(conversationId);
    }

    void setConvHead(String conversationId, ConvHead head) {
        request.convHeads.put(conversationId, head);
    }

    /** Takes the next cursor of the user's inbox. */
    long nextInboxCursor(String userId) {
        Long h = request.inboxHeads.get(userId);
        if (h == null) {
            h = group.inboxHeads.get(userId);
        }
        long next = (h != null ? h : committed.inboxHead(userId)) + 1;
        request.inboxHeads.put(userId, next);
        return next;
    }

    // ---- commit

    /** Writes the group's successful requests into {@code batch}. */
    void fill(WriteBatch batch) throws RocksDBException {
        for (RangeDelete r : group.rangeDeletes) {
            batch.deleteRange(storage.handle(r.cf()), r.from(), r.to());
        }
        for (Map.Entry<Cf, Map<ByteBuffer, byte[]>> e : group.kv.entrySet()) {
            var handle = storage.handle(e.getKey());
            for (Map.Entry<ByteBuffer, byte[]> kv : e.getValue().entrySet()) {
                byte[] key = kv.getKey().array();
                if (kv.getValue() == DELETED) {
                    batch.delete(handle, key);
                } else {
                    batch.put(handle, key, kv.getValue());
                }
            }
        }
    }

    /** After the batch is durable: the group's counters become committed state. */
    void publish() {
        group.convHeads.forEach(committed::putConvHead);
        group.inboxHeads.forEach(committed::putInboxHead);
    }

    static ParleyException unavailable(String message, RocksDBException e) {
        return new ParleyException(ErrorCode.UNAVAILABLE, message + ": " + e.getMessage(), e);
    }
}
