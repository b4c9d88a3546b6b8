/**
 * Embedded store adapter: {@link dev.parley.store.rocksdb.RocksDbStore} keeps accounts,
 * conversations, the message log, inboxes, device cursors and receipt watermarks in one RocksDB
 * instance.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Single writer, group commit.</b> Every write is a request run by one committer thread.
 *       A group of requests becomes one atomic {@code WriteBatch}; a request's stage completes only
 *       after its group is in the write-ahead log (synced when the fsync policy is {@code ALWAYS};
 *       written to the OS page cache, which survives {@code kill -9}, when it is {@code NEVER}).</li>
 *   <li><b>Atomic requests.</b> A message, its idempotency key and its inbox entries; a
 *       conversation, its membership index and its inbox entries; a watermark and its receipt
 *       entries: each lands in the same batch. A request that fails writes nothing and does not
 *       affect the other requests of its group; later requests of a group see earlier ones.</li>
 *   <li><b>Gap-free counters.</b> Conversation sequence numbers and inbox cursors are assigned by
 *       the committer from in-memory counters, loaded on first touch from the last key under the
 *       conversation's (inbox's) prefix, so they continue across restarts without gaps or reuse.
 *       An inbox head is also recorded in {@code meta} when pruning deletes entries, because
 *       pruning may delete the entry the head would otherwise be derived from. After a failed
 *       batch write every counter is reloaded from disk.</li>
 *   <li><b>Committed values in memory.</b> The committer also remembers, in bounded LRU maps, the
 *       device cursors and watermarks it last read or wrote, and each conversation's recent
 *       senders (so a receipt needs no scan of the log); all of it is forgotten after a failed
 *       batch write and rebuilt from disk.</li>
 *   <li><b>Snapshot reads.</b> Each read runs on one RocksDB snapshot and sees every write whose
 *       stage has completed.</li>
 *   <li><b>Retention.</b> Pruning deletes, per inbox, only a leading run of old entries, so an
 *       inbox is always a contiguous run of cursors ending at its head. Messages, idempotency keys
 *       and conversations are never deleted.</li>
 * </ul>
 *
 * <h2>Key schema</h2>
 * Notation: {@code s(x)} is a length-prefixed string (u16 big-endian byte length, UTF-8 bytes);
 * {@code x} alone is bare UTF-8 (only at the end of a key); {@code u64(n)} is 8 bytes big-endian,
 * so bytewise key order is numeric order.
 * <pre>
 * column family        key                                        value
 * users                userId                                     User
 * devices              s(userId) s(deviceId)                      Device
 * device_by_token      tokenHash                                  the devices key of the device
 * conversations        conversationId                             Conversation
 * user_conversations   s(userId) conversationId                   empty (membership index)
 * messages             s(conversationId) u64(seq)                 Message
 * idempotency          s(senderId) s(senderDeviceId) s(conversationId) clientMsgId   s32(conversationId) i64(seq)
 * inbox                s(userId) u64(cursor)                      InboxEntry
 * cursors              s(userId) s(deviceId)                      i64 acknowledged cursor
 * watermarks           s(conversationId) userId                   i64 delivered, i64 read
 * contacts             s(ownerId) contactId                       empty (one-way contact)
 * user_settings        userId                                     1 s32 groupAddPolicy
 * meta                 "schema-version"                           i64 (2; 1 had no conversation in idempotency keys)
 *                      "inbox-head:" userId                       i64 head at the last prune
 * </pre>
 *
 * <h2>Value encoding</h2>
 * A compact binary format, big-endian: {@code s32} strings (i32 byte length, -1 for null, then
 * UTF-8), instants as i64 epoch seconds + i32 nanos, enums by name, lists as i32 count + items.
 * Records start with a format byte (1):
 * <pre>
 * User          1 s32 id, s32 passwordHash, s32 lastSeenPrivacy, instant createdAt
 * Device        1 s32 userId, s32 deviceId, s32 name, s32 tokenHash, instant createdAt,
 *                 s32 pushProvider?, s32 pushTarget?
 * Conversation  2 s32 id, s32 kind, s32 name, list members, s32 createdBy, instant createdAt, i64 version,
 *                 list admins      (format 1, still read, lacks admins: the creator, else the first member)
 * Message       1 instant timestamp, s32 senderId, s32 senderDeviceId, s32 messageId, s32 clientMsgId,
 *                 s32 contentType?, s32 body          (conversation and seq are in the key)
 * </pre>
 * An inbox entry starts with a tag and its instant: tag 1 is a message reference
 * ({@code s32 conversationId, i64 seq}; the body is not copied, reads resolve it from the log),
 * tag 2 a receipt ({@code s32 conversationId, s32 userId, s32 kind, i64 upTo}), tag 4 a
 * membership change ({@code s32 conversationId, s32 change, s32 actorId, list users, s32 name?,
 * i64 version}: only the change, never the member list, so its size does not grow with the
 * group). Tag 3, the earlier membership format that copied the whole conversation, is still read.
 *
 * <h2>Timestamps</h2>
 * Message timestamps are server time at millisecond precision (the wire's), never below the
 * previous message's, so history by timestamp is a binary search over sequence numbers.
 */
package dev.parley.store.rocksdb;
