package dev.parley.store.rocksdb;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The open RocksDB instance, its column family handles and every native object they need. */
final class Storage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Storage.class);
    /** 2: idempotency keys scoped per device and conversation (1: per device). */
    private static final long SCHEMA_VERSION = 2;
    /** Memtable bloom filter bytes per write-buffer byte: ~16 bits per idempotency key. */
    private static final double MEMTABLE_BLOOM_RATIO = 0.02;

    static {
        RocksDB.loadLibrary();
    }

    final RocksDB db;
    final WriteOptions writeOptions;
    private final EnumMap<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
    private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
    private final List<RocksObject> natives = new ArrayList<>();
    private final boolean sync;

    Storage(Path dir, RocksDbStore.Options options) {
        this.sync = options.fsync() == RocksDbStore.FsyncPolicy.ALWAYS;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ParleyException(ErrorCode.UNAVAILABLE, "cannot create store directory " + dir, e);
        }
        LRUCache cache = keep(new LRUCache(options.blockCacheBytes()));
        BloomFilter bloom = keep(new BloomFilter(10));
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom);
        ColumnFamilyOptions cfOptions = keep(new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setCompressionType(CompressionType.LZ4_COMPRESSION));
        // Every new message looks its idempotency key up and misses: a whole-key bloom filter in
        // the memtable answers most misses without searching it (SST files have theirs already).
        ColumnFamilyOptions idempotencyOptions = keep(new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO)
                .setMemtableWholeKeyFiltering(true));
        DBOptions dbOptions = keep(new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(5));
        this.writeOptions = keep(new WriteOptions().setSync(sync));

        List<byte[]> names = new ArrayList<>();
        names.add(RocksDB.DEFAULT_COLUMN_FAMILY);
        for (Cf cf : Cf.values()) {
            names.add(cf.nameBytes());
        }
        // Open column families a newer version may have added too; RocksDB refuses to open otherwise.
        for (byte[] existing : existingColumnFamilies(dir)) {
            if (names.stream().noneMatch(n -> Arrays.equals(n, existing))) {
                names.add(existing);
            }
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] n : names) {
            boolean idempotency = Arrays.equals(n, Cf.IDEMPOTENCY.nameBytes());
            descriptors.add(new ColumnFamilyDescriptor(n, idempotency ? idempotencyOptions : cfOptions));
        }
        RocksDB opened;
        try {
            opened = RocksDB.open(dbOptions, dir.toString(), descriptors, allHandles);
        } catch (RocksDBException e) {
            closeNatives();
            throw new ParleyException(ErrorCode.UNAVAILABLE, "cannot open store at " + dir + ": " + e.getMessage(), e);
        }
        this.db = opened;
        for (int i = 1; i <= Cf.values().length; i++) {
            handles.put(Cf.values()[i - 1], allHandles.get(i));
        }
        checkSchemaVersion(dir);
    }

    ColumnFamilyHandle handle(Cf cf) {
        return handles.get(cf);
    }

    RocksIterator iterator(Cf cf, ReadOptions readOptions) {
        return db.newIterator(handles.get(cf), readOptions);
    }

    private void checkSchemaVersion(Path dir) {
        try {
            byte[] v = db.get(handle(Cf.META), Keys.SCHEMA_VERSION);
            if (v == null) {
                db.put(handle(Cf.META), writeOptions, Keys.SCHEMA_VERSION, Codec.u64(SCHEMA_VERSION));
            } else if (Codec.u64(v) > SCHEMA_VERSION) {
                close();
                throw new ParleyException(ErrorCode.UNAVAILABLE, "store at " + dir + " has schema version "
                        + Codec.u64(v) + ", newer than this version understands (" + SCHEMA_VERSION + ")");
            } else if (Codec.u64(v) == 1) {
                migrateIdempotencyKeysFromSchema1(dir);
            }
        } catch (RocksDBException e) {
            close();
            throw new ParleyException(ErrorCode.UNAVAILABLE, "cannot read store metadata at " + dir, e);
        }
    }

    /**
     * Adds each key's conversation (from its value) to the idempotency keys of a schema 1 store,
     * in batches, the version last: a crash midway leaves version 1, and the rerun rewrites the
     * remaining old keys (a key already rewritten no longer parses as one, see below).
     */
    private void migrateIdempotencyKeysFromSchema1(Path dir) throws RocksDBException {
        long rewritten = 0;
        try (ReadOptions snapshot = new ReadOptions();
             RocksIterator it = iterator(Cf.IDEMPOTENCY, snapshot)) {
            WriteBatch batch = new WriteBatch();
            try {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    String conv = Codec.messageRef(it.value()).conversationId();
                    if (isSchema2Key(key, conv)) {
                        continue;
                    }
                    batch.delete(handle(Cf.IDEMPOTENCY), key);
                    batch.put(handle(Cf.IDEMPOTENCY), Keys.idempotencyFromSchema1(key, conv), it.value());
                    if (++rewritten % 10_000 == 0) {
                        db.write(writeOptions, batch);
                        batch.close();
                        batch = new WriteBatch();
                    }
                }
                it.status();
                db.write(writeOptions, batch);
            } finally {
                batch.close();
            }
        }
        db.put(handle(Cf.META), writeOptions, Keys.SCHEMA_VERSION, Codec.u64(SCHEMA_VERSION));
        log.info("store at {}: schema 1 → 2, {} idempotency keys now scoped per conversation", dir, rewritten);
    }

    /** Whether {@code key} already holds {@code conv} as its third length-prefixed string. */
    private static boolean isSchema2Key(byte[] key, String conv) {
        byte[] c = Keys.utf8(conv);
        int at = 0;
        for (int i = 0; i < 2; i++) {
            at += 2 + (((key[at] & 0xFF) << 8) | (key[at + 1] & 0xFF));
        }
        return key.length >= at + 2 + c.length && (((key[at] & 0xFF) << 8) | (key[at + 1] & 0xFF)) == c.length
                && Arrays.equals(key, at + 2, at + 2 + c.length, c, 0, c.length);
    }

    private static List<byte[]> existingColumnFamilies(Path dir) {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return List.of();
        }
        try (org.rocksdb.Options o = new org.rocksdb.Options()) {
            return RocksDB.listColumnFamilies(o, dir.toString());
        } catch (RocksDBException e) {
            throw new ParleyException(ErrorCode.UNAVAILABLE, "cannot list column families at " + dir, e);
        }
    }

    private <T extends RocksObject> T keep(T obj) {
        natives.add(obj);
        return obj;
    }

    /** Flushes the WAL when writes were not synced, then closes handles, the DB and native options. */
    @Override
    public void close() {
        if (db != null) {
            try {
                if (!sync) {
                    db.flushWal(true);
                }
            } catch (RocksDBException e) {
                log.warn("could not sync the write-ahead log on close", e);
            }
            for (ColumnFamilyHandle h : allHandles) {
                h.close();
            }
            allHandles.clear();
            try {
                db.closeE();
            } catch (RocksDBException e) {
                log.warn("error while closing RocksDB", e);
            }
        }
        closeNatives();
    }

    private void closeNatives() {
        for (int i = natives.size() - 1; i >= 0; i--) {
            natives.get(i).close();
        }
        natives.clear();
    }
}
