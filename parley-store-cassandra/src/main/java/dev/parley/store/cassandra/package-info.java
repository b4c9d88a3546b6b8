/**
 * Scale-out store adapter: {@link dev.parley.store.cassandra.CassandraStore} keeps accounts,
 * conversations, the message log, inboxes, device cursors and receipt watermarks in Apache
 * Cassandra, shared by every chat server process.
 *
 * <h2>Guarantees, and how they are kept without multi-partition transactions</h2>
 * <ul>
 *   <li><b>Durable on completion.</b> Every write is acknowledged by a quorum of replicas (QUORUM,
 *       or LOCAL_QUORUM) before its stage completes, and every lightweight transaction (LWT)
 *       commits at that level; with a replication factor of 3 an acknowledged message survives the
 *       loss of any one node and of the chat server that acknowledged it. (With RF 1 on a dev node
 *       QUORUM is ONE.)</li>
 *   <li><b>Gap-free sequences.</b> A conversation's state lives in the static columns of its
 *       {@code messages} partition, {@code head} among them. Messages are claimed with one
 *       conditional batch on that partition: {@code UPDATE ... SET head = h + k IF version = v AND
 *       head = h}, plus, per message, an idempotency marker row {@code IF NOT EXISTS} and the message
 *       row at {@code h + 1 .. h + k}. A single-partition batch is atomic and isolated, so seq n + 1
 *       can exist only together with a head that covers n: no gaps, no reuse. A failed condition
 *       means another writer moved the head (or a marker exists): re-read at SERIAL, retry. Each
 *       process also queues a conversation's appends and claims them together (group commit), so
 *       its own sends never contend with each other.</li>
 *   <li><b>Membership at commit time.</b> The same condition includes the conversation's version:
 *       a message is claimed only if the sender is a member of the version in force when the
 *       claim commits.</li>
 *   <li><b>Exactly once.</b> The idempotency marker ({@code seq = 0, idem = key} where the key is
 *       sender, sender device and client message id) is claimed in the same atomic batch as the
 *       message, so there is never a marker without its message nor a message without its marker.
 *       A retry finds the marker, answers with the first message ({@code duplicate = true}) and
 *       first completes that message's fan-out if it is unfinished. The key is scoped to the
 *       conversation (a client reusing an id in another conversation gets a new message).</li>
 *   <li><b>One order in every inbox.</b> Fan-out follows a frontier per conversation: the static
 *       {@code fanned} says every message up to it is in every member's inbox. The fan-out of
 *       (fanned, x] starts only at fanned + 1, and {@code fanned} moves on (LWT {@code IF fanned =
 *       old}) only after all those inbox entries are written. A writer whose batch is not next
 *       waits (polling with backoff) for the writers before it; when the frontier makes no progress
 *       for {@link dev.parley.store.cassandra.CassandraConfig#fanoutHelpAfter()} (their writer
 *       crashed), it <em>helps</em>: it fans the earlier messages out itself, then its own. Helping is
 *       safe because every inbox append is idempotent (below), so two writers fanning out the same
 *       message write it once, in order.</li>
 *   <li><b>Idempotent, gap-free inboxes.</b> An inbox partition has a static {@code head} and, per
 *       conversation, the highest message seq ({@code conv_seq}) and conversation version
 *       ({@code conv_version}) already written to it. Entries are appended with one conditional
 *       batch: {@code UPDATE ... SET head = c + k, last_batch = id, conv_seq = conv_seq + {...} IF
 *       head = c AND last_batch = b} plus the entry rows at c + 1 .. c + k. Entries at or below
 *       {@code conv_seq[conv]} are skipped, which makes a helper's or a retry's append a no-op. The
 *       condition names the batch that wrote the state the skip was decided on, not only its head:
 *       a head can come back to a value with other entries (a node that lost its last acknowledged
 *       writes, then another writer), and a writer's cached {@code conv_seq} would then skip entries
 *       that are not there. Each process batches all pending entries of a user into one such
 *       write.</li>
 *   <li><b>Conversation changes in order.</b> Create and update are LWTs on the same static
 *       columns ({@code IF NOT EXISTS}; {@code IF version = v - 1 AND head = h}) that also record
 *       the change's entry (kind, actor, users, recipients, removed members, timestamp). An update
 *       commits only when {@code fanned = head} and the previous change is fanned out
 *       ({@code changes_fanned = version}); it waits (and helps) until then. So the members of the
 *       version in force are always the members for every message whose fan-out is pending, and
 *       a change's membership entries land after the messages before it and before the messages
 *       after it. The change's fan-out (membership entries, the {@code user_conversations} index)
 *       is completed by its writer, or by whoever needs it next.</li>
 *   <li><b>Receipts.</b> A watermark row holds delivered / read and how far their receipt entries
 *       were written ({@code delivered_fanned}, {@code read_fanned}). Raising is a compare-and-set
 *       of the row; the entries follow; then the {@code *_fanned} columns catch up. A later call
 *       (a retry) that finds them behind writes the missing receipt entries first.</li>
 *   <li><b>Ambiguous outcomes.</b> A write timeout (or an unknown CAS result, or a client timeout)
 *       on an LWT does not say whether it applied. The store then re-reads at SERIAL, which
 *       completes any Paxos round in flight, and decides from what it finds (the markers' message
 *       ids, the inbox's {@code last_batch}, the conversation's {@code change_id}). A receipt entry
 *       can, in that rare case, be written twice; it only repeats a watermark.</li>
 * </ul>
 *
 * <h2>Tables</h2>
 * <pre>
 * users              ((user_id))                password_hash, last_seen_privacy, created_at (ISO-8601 text: exact)
 * devices            ((user_id), device_id)     name, token_hash, created_at, push_provider, push_target
 * devices_by_token   ((token_hash))             user_id, device_id   (a lookup checks the device still has the hash)
 * messages           ((conv_id), seq, idem)     the conversation log, clustered by seq ("messages of X after T"):
 *                      seq 1, 2, 3 …, idem ''   message_id, sender_id, sender_device, client_msg_id, ts, body, content_type
 *                      seq 0, idem = key        idempotency marker: ref_seq, message_id
 *                      static                   the conversation: kind, name, members, created_by, created_at, version;
 *                                               head, head_ts; fanned; changes_fanned; the last change: change_id, change,
 *                                               change_actor, change_users, change_notify, change_removed, change_ts
 * user_conversations ((user_id), conv_id)      membership index, written with USING TIMESTAMP = conversation version
 * inbox              ((user_id), cursor)        ts, kind (1 message ref: conv_id, seq; 2 receipt: conv_id, receipt_user,
 *                                               receipt_kind, up_to; 3 membership: conv_id, change, actor, users, c_*)
 *                      static                   head, conv_seq map, conv_version map, last_batch
 * cursors            ((user_id), device_id)     cursor
 * watermarks         ((conv_id), user_id)       delivered, read, delivered_fanned, read_fanned
 * </pre>
 * A message entry refers to the log (conversation, seq) instead of copying the body; a page of
 * an inbox is resolved with one range (or IN) read per conversation it mentions.
 *
 * <h2>Consistency level of every statement</h2>
 * The session default is QUORUM (LOCAL_QUORUM with {@code localConsistency}) for reads and
 * writes, and SERIAL (LOCAL_SERIAL) as the serial level of LWTs.
 * <pre>
 * statement                                              consistency
 * INSERT users IF NOT EXISTS / UPDATE users IF EXISTS    LWT: SERIAL, commit QUORUM
 * devices + devices_by_token (putDevice)                 LOGGED batch, QUORUM
 * DELETE devices IF EXISTS, DELETE devices_by_token IF   LWT: SERIAL, commit QUORUM
 * cursors INSERT IF NOT EXISTS / UPDATE IF cursor = c    LWT: SERIAL, commit QUORUM (the cursor only rises)
 * messages: create (INSERT static IF NOT EXISTS)         LWT: SERIAL, commit QUORUM
 * messages: update (IF version = v AND head = h)         LWT: SERIAL, commit QUORUM
 * messages: claim batch (head, markers, messages)        LWT: SERIAL, commit QUORUM
 * messages: SET fanned / changes_fanned IF = old         LWT: SERIAL, commit QUORUM
 * messages: state read before a compare-and-set          SERIAL read
 * messages: markers read after a failed claim            SERIAL read
 * messages: state, history, range and point reads        QUORUM
 * inbox: append batch (IF head = c AND last_batch = b)   LWT: SERIAL, commit QUORUM
 * inbox: static state read before an append              SERIAL read
 * inbox: reads, head                                     QUORUM
 * inbox: prune (DELETE cursor range)                     QUORUM (rows no LWT touches)
 * user_conversations insert / delete / read              QUORUM
 * watermarks: UPDATE ... IF all four columns             LWT: SERIAL, commit QUORUM
 * watermarks: reads                                      QUORUM (SERIAL after a failed compare-and-set)
 * </pre>
 * Writes are acknowledged by a quorum and read at quorum, so any completed write is seen by any
 * later read, from any chat server.
 *
 * <h2>Production</h2>
 * Create the keyspace yourself with {@code NetworkTopologyStrategy}, e.g.
 * {@code CREATE KEYSPACE parley WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}},
 * before starting the chat servers (the store creates only what is missing); turn
 * {@code localConsistency} on when several data centers run chat servers; keep driver metadata
 * on (token-aware routing). Prefer {@code paxos_variant: v2} (Cassandra 4.1+): fewer round trips
 * per LWT and stricter linearizability. Partitions grow with a conversation's log and a user's
 * inbox; very long-lived busy ones would add a time or seq bucket to the key (not done yet);
 * pruning keeps inboxes short. An inbox's static {@code conv_seq} / {@code conv_version} maps hold
 * one cell per conversation the user was ever in, and are read (at SERIAL) when a writer's cached
 * copy is stale: fine for thousands of conversations per user, not for millions. {@link dev.parley.store.cassandra.CassandraStore#pruneInboxes}
 * scans every inbox partition: run it daily, not per request.
 */
package dev.parley.store.cassandra;
