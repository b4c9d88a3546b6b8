/**
 * Scale-out store adapter: {@link dev.parley.store.cassandra.CassandraStore} keeps accounts, and
 * a queryable projection of the conversation log, in Apache Cassandra.
 *
 * <h2>Who writes what</h2>
 * The Kafka conversation log (module {@code parley-log-kafka}) is the single writer per
 * conversation and per user: it decides every sequence number, inbox cursor, conversation
 * version and watermark, and applies its decisions here. Cassandra decides nothing on the message
 * path: no lightweight transaction, no read before a write. Accounts (users, devices, tokens) are
 * rare writes and keep their lightweight transactions.
 *
 * <h2>Every message-path write is plain and idempotent</h2>
 * Each cell is written {@code USING TIMESTAMP} = a number of the decision it applies, so
 * last-write-wins keeps the highest, and applying a decision again (a replay after a crash, a
 * paused writer waking up late) writes the very same cells:
 * <pre>
 * cells                                         USING TIMESTAMP
 * conversation_log row                          its seq
 * conversation_log head, head_ts (static)       the batch's last seq
 * conversations row                             version
 * user_conversations insert / delete            version of the conversation written
 * inbox_entries row                             its cursor
 * inbox_entries head (static)                   the batch's last cursor
 * inbox_entries pruned_below (static)           its value
 * receipt_watermarks delivered / read           the watermark's value (0 is never written)
 * device_cursors cursor                         its value (0 is never written)
 * </pre>
 * Such a timestamp is tiny next to the microseconds of a normal write: a cell written this way
 * always loses to a normal cell or tombstone, so these columns are only ever written this way.
 * Only two deletes use the current time, on rows nothing writes afterwards: deleting a device
 * deletes its cursor (device ids are never reused), and pruning deletes old inbox entries (a
 * replayed entry stays deleted). Cassandra takes a timestamp per statement inside a batch when
 * the batch itself has none; a single-partition batch is applied as one mutation, so a message
 * batch and its head, or an inbox batch and its head, become visible together. Lists are frozen:
 * a non-frozen list written twice with one timestamp would hold its elements twice.
 *
 * <h2>Tables</h2>
 * <pre>
 * users              ((user_id))                password_hash, last_seen_privacy, created_at (ISO-8601 text: exact)
 * devices            ((user_id), device_id)     name, token_hash, created_at, push_provider, push_target
 * devices_by_token   ((token_hash))             user_id, device_id   (a lookup checks the device still has the hash)
 * conversations      ((conv_id))                kind, name, members frozen list, created_by, created_at, version,
 *                                               admins frozen list (added by ALTER to older keyspaces; null: the creator)
 * conversation_log   ((conv_id), seq)           message_id, sender_id, sender_device, client_msg_id, ts, body,
 *                                               content_type; static head, head_ts
 * user_conversations ((user_id), conv_id)       one row per conversation the user is in
 * inbox_entries      ((user_id), cursor)        ts, kind and a self-contained event:
 *                                               1 message: conv_id, seq, message_id, sender_id, sender_device,
 *                                                 client_msg_id, msg_ts, body, content_type
 *                                               2 receipt: conv_id, receipt_user, receipt_kind, up_to
 *                                               3 membership: conv_id, change, actor, users, c_name (after a
 *                                                 create or rename), c_version: only the change, never the member
 *                                                 list (rows written before also hold c_kind, c_members,
 *                                                 c_created_by, c_created_at, which are ignored)
 *                                               static head; static pruned_below (cursors below it were pruned)
 * device_cursors     ((user_id), device_id)     cursor
 * receipt_watermarks ((conv_id), user_id)       delivered, read
 * contacts           ((user_id), contact_id)    one row per contact of the user (one way; plain writes)
 * user_settings      ((user_id))                group_add (null: contacts)
 * </pre>
 * A reader of an inbox takes only its gap-free prefix (a cursor above a gap is still being
 * written below it), starting after the pruned cursors. A keyspace made by the earlier LWT design
 * keeps its tables {@code messages}, {@code inbox}, {@code cursors} and {@code watermarks}; the
 * store no longer uses them (drop them by hand).
 *
 * <h2>Consistency level of every statement</h2>
 * <pre>
 * statement                                              consistency
 * every projection write (batches and single statements) QUORUM (LOCAL_QUORUM with localConsistency)
 * every projection read                                  QUORUM (LOCAL_QUORUM)
 * inbox prune: scan and range delete                     QUORUM (LOCAL_QUORUM)
 * INSERT users IF NOT EXISTS / UPDATE users IF EXISTS    LWT: SERIAL (LOCAL_SERIAL), commit QUORUM
 * devices + devices_by_token (putDevice)                 LOGGED batch, QUORUM
 * devices of a user, before and after addDevice's write  QUORUM (the device cap: count, write, recount)
 * DELETE devices IF EXISTS, DELETE devices_by_token IF   LWT: SERIAL (LOCAL_SERIAL), commit QUORUM
 * DELETE device_cursors (deleteDevice)                   QUORUM
 * users read after an ambiguous LWT                      SERIAL (LOCAL_SERIAL)
 * </pre>
 * Writes are acknowledged by a quorum and read at quorum, so a completed write is seen by any
 * later read, from any chat server.
 *
 * <h2>Production</h2>
 * Create the keyspace yourself with {@code NetworkTopologyStrategy}, e.g.
 * {@code CREATE KEYSPACE parley WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}},
 * before starting the chat servers (the store creates only what is missing); turn
 * {@code localConsistency} on when several data centers run chat servers; keep driver metadata
 * on (token-aware routing). Partitions grow with a conversation's log and a user's inbox; very
 * long-lived busy ones would add a bucket to the key (not done yet); pruning keeps inboxes short.
 * {@link dev.parley.store.cassandra.CassandraStore#pruneInboxes} scans every inbox partition: run
 * it daily, not per request.
 */
package dev.parley.store.cassandra;
