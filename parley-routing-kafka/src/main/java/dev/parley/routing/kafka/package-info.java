/**
 * Routing between chat servers through Kafka: "look at your inbox" notifications and ephemeral
 * frames (typing, presence) reach the servers that hold the recipients' connections.
 *
 * <h2>Topology</h2>
 * Every chat server has a stable, configured {@code serverId} (the one it also uses in presence)
 * and its own topic:
 * <table>
 * <caption>Topics and groups</caption>
 * <tr><th>name</th><th>what</th></tr>
 * <tr><td>{@code <prefix>server.<serverId>}</td><td>topic, 1 partition, replication factor and
 *     {@code min.insync.replicas} from {@link dev.parley.routing.kafka.KafkaRouterConfig}; created
 *     by its server on start if absent. Written by every server, read only by its owner, in order.
 *     Record key: the recipient user for inbox notifications, none for ephemeral ones; value:
 *     JSON, see {@code NotificationCodec}. Retention: the broker's default (7 days) is plenty; what
 *     is older has long been synced from the store.</td></tr>
 * <tr><td>consumer group {@code <prefix>server.<serverId>}</td><td>one member, with
 *     {@code group.instance.id = serverId} (static membership), so a server restarted with the same id
 *     — even after kill -9 — takes its partition over at once instead of waiting for the old
 *     member's session to time out, and a second live process with the same id fences the first
 *     (which then stops consuming and logs an error).</td></tr>
 * </table>
 * {@code <prefix>} defaults to {@code parley.}. A server that is retired for good leaves its topic
 * and group behind; delete them with Kafka's tools.
 *
 * <h2>Sending</h2>
 * {@code inboxAppended(entry)} first offers the entry to this server's own handler, on the
 * caller's thread (a no-op when the user has no connection here; this keeps local delivery
 * independent of presence and Kafka). It then asks the presence registry which servers hold a
 * connection of the user ({@code locate}) and produces one record to each other server's topic,
 * carrying the whole entry, so the receiving server sends it without a store read.
 * {@code ephemeral(users, frame)} does the same with one record per target server listing the
 * users there (a group's typing indicator is one record per server, not per member).
 *
 * <p>Producer: {@code acks=all}, idempotent, {@code linger.ms=2}, lz4 compression (lz4-java falls back to
 * pure Java where its bundled native library cannot load), {@code max.block.ms=1000}, {@code delivery.timeout.ms=30000}.
 * Records are handed to the producer by a dedicated sender thread (bounded queue of 100,000; what
 * waited there over 30 s is dropped), never by the caller's: while Kafka is unreachable
 * {@code send} blocks on metadata, and a Netty event loop must never block. Failures are logged at
 * debug level and counted ({@code parley.routing.kafka.failures{reason}}), never thrown: a
 * notification is a hint, the inbox in the store is the truth, and a device that missed one gets
 * the entry with the next notification or sync.
 *
 * <h2>Receiving</h2>
 * One consumer thread per server polls its topic ({@code enable.auto.commit=false},
 * {@code auto.offset.reset=earliest}), hands every record of a batch to the
 * {@link dev.parley.core.delivery.MessageRouter.Handler} and only then commits the batch's offsets
 * ({@code commitAsync}; {@code commitSync} on close). A server that was down resumes from its
 * committed offsets: Kafka buffered what was sent to it meanwhile. Ephemeral records older than
 * {@code ephemeralMaxAge} (default 10 s, by the record's timestamp) are dropped then — a typing
 * indicator from the past is noise — and counted as {@code parley.routing.kafka.dropped{reason=stale}};
 * inbox notifications are always handed over (the session ignores cursors it has already sent).
 *
 * <h2>Delivery guarantees</h2>
 * At least once per record that Kafka acknowledged, in the order of each server topic; duplicates
 * (a redelivered batch after a crash before its commit, a local and a remote copy) and gaps (a
 * notification lost while Kafka or presence was down) are harmless because
 * {@link dev.parley.core.delivery.DeviceSession} delivers by inbox cursor: it skips what it sent
 * and reads the store to fill a gap.
 */
package dev.parley.routing.kafka;
