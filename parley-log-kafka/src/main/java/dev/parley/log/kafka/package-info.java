/**
 * The scale-out write path: Kafka as the ordered log of every write, with one writer per
 * conversation and per inbox, and Cassandra as the projection that reads are served from.
 *
 * <ul>
 *   <li>{@link dev.parley.log.kafka.KafkaLogStore}: the {@code MessageStore} and {@code ConversationStore} a chat server uses.
 *       Writes become commands on the commands topic and complete when their outcome and inbox
 *       entries are projected; reads go to Cassandra.</li>
 *   <li>{@link dev.parley.log.kafka.LogTopology}: the Kafka Streams topology (exactly-once v2)
 *       of the two single writers, {@link dev.parley.log.kafka.ConversationSequencer} (keyed by
 *       conversation: sequence numbers, membership, idempotency, watermarks) and
 *       {@link dev.parley.log.kafka.InboxSequencer} (keyed by user: inbox cursors).</li>
 *   <li>{@link dev.parley.log.kafka.ProjectionWriter}: applies the committed decisions to
 *       Cassandra with plain writes that only rise, answers the asking servers, announces the
 *       entries.</li>
 *   <li>{@link dev.parley.log.kafka.LogCodec} and {@link dev.parley.log.kafka.LogRecords}: the
 *       records, as JSON; {@link dev.parley.log.kafka.LogTopics}: their topics.</li>
 * </ul>
 * Why a replay after a crash, a moved partition or a paused "zombie" owner changes nothing that
 * clients see is explained in docs/SCALE-OUT.md ("Why a replay or a zombie changes nothing").
 */
package dev.parley.log.kafka;
