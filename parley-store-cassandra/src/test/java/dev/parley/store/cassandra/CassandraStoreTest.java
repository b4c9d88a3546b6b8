package dev.parley.store.cassandra;

import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.account.Device;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.HistoryQuery.Direction;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store as a projection of the conversation log: every write reads back as written, writing
 * the same decision twice changes nothing, and a lower value (head, version, watermark, cursor)
 * written after a higher one does not win.
 */
class CassandraStoreTest {
    private static final CassandraTestNode NODE = CassandraTestNode.create();
    private static final String KEYSPACE = "parley_test_projection";
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @RegisterExtension
    static Extension cassandra = NODE.extension();

    private static CqlSession admin;
    private static CassandraStore store;

    @BeforeAll
    static void open() {
        CassandraConfig config = NODE.config(KEYSPACE);
        admin = CassandraStore.connect(config);
        store = new CassandraStore(admin, false, config);
    }

    @AfterAll
    static void close() {
        store.close();
        admin.close();
    }

    @BeforeEach
    void empty() {
        CassandraTestNode.truncate(admin, KEYSPACE);
    }

    // ---- fixtures

    private static StoredMessage message(String conv, long seq) {
        return new StoredMessage(conv, seq, "m-" + conv + "-" + seq, "alice", "alice-phone", "c-" + seq,
                T0.plusSeconds(seq), "body " + seq, "text/plain");
    }

    private static List<StoredMessage> messages(String conv, long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(seq -> message(conv, seq)).toList();
    }

    private static Conversation group(String id, long version, String... members) {
        return new Conversation(id, Conversation.Kind.GROUP, "group v" + version, List.of(members), "alice", T0,
                version);
    }

    private static InboxEntry added(String user, long cursor) {
        return new InboxEntry(user, cursor, T0.plusSeconds(cursor),
                new InboxEvent.MessageAdded(message("g:1", cursor)));
    }

    private static List<InboxEntry> added(String user, long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(c -> added(user, c)).toList();
    }

    private static List<Long> seqs(List<StoredMessage> page) {
        return page.stream().map(StoredMessage::seq).toList();
    }

    private static List<Long> cursors(List<InboxEntry> entries) {
        return entries.stream().map(InboxEntry::cursor).toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static Row row(String cql, Object... values) {
        return admin.execute(cql.replace("{ks}", KEYSPACE), values).one();
    }

    // ---- the conversation log

    @Test
    void messagesReadBackAsWritten() {
        await(store.writeMessages("g:1", messages("g:1", 1, 3)));
        await(store.writeMessages("g:1", messages("g:1", 4, 5)));

        assertThat(await(store.lastSeq("g:1"))).isEqualTo(5);
        assertThat(await(store.message("g:1", 2))).contains(message("g:1", 2));
        assertThat(await(store.message("g:1", 6))).isEmpty();
        assertThat(await(store.history("g:1", HistoryQuery.latest(10)))).isEqualTo(messages("g:1", 1, 5));
        assertThat(await(store.lastSeq("g:none"))).isZero();
        assertThat(await(store.history("g:none", HistoryQuery.latest(10)))).isEmpty();
        Row head = row("SELECT head, head_ts FROM {ks}.conversation_log WHERE conv_id = 'g:1' LIMIT 1");
        assertThat(head.getInstant("head_ts")).isEqualTo(message("g:1", 5).timestamp());
    }

    @Test
    void messageWithoutContentTypeReadsBackWithout() {
        StoredMessage plain = new StoredMessage("g:1", 1, "m-1", "bob", "bob-web", "c-1", T0, "hi", null);
        await(store.writeMessages("g:1", List.of(plain)));

        assertThat(await(store.message("g:1", 1))).contains(plain);
    }

    @Test
    void historyPagesBothDirectionsBySeqAndByTimestamp() {
        await(store.writeMessages("g:1", messages("g:1", 1, 10)));
        long ts5 = message("g:1", 5).timestamp().toEpochMilli();

        assertThat(seqs(await(store.history("g:1", HistoryQuery.latest(3))))).containsExactly(8L, 9L, 10L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, 8, false, 3)))))
                .containsExactly(5L, 6L, 7L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, 3, false, 5)))))
                .containsExactly(1L, 2L);
        assertThat(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, 1, false, 5)))).isEmpty();
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.AFTER, 0, false, 3)))))
                .containsExactly(1L, 2L, 3L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.AFTER, 8, false, 5)))))
                .containsExactly(9L, 10L);
        assertThat(await(store.history("g:1", new HistoryQuery(Direction.AFTER, 10, false, 5)))).isEmpty();
        // By timestamp: BEFORE is strictly before the anchor, AFTER strictly after it.
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, ts5, true, 2)))))
                .containsExactly(3L, 4L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.AFTER, ts5, true, 2)))))
                .containsExactly(6L, 7L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.AFTER, ts5 - 1, true, 2)))))
                .containsExactly(5L, 6L);
        assertThat(seqs(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, Long.MAX_VALUE, true, 2)))))
                .containsExactly(9L, 10L);
        assertThat(await(store.history("g:1", new HistoryQuery(Direction.BEFORE, T0.toEpochMilli(), true, 2))))
                .isEmpty();
    }

    @Test
    void writingTheSameMessagesTwiceLeavesTheSameCells() {
        await(store.writeMessages("g:1", messages("g:1", 1, 3)));
        await(store.writeMessages("g:1", messages("g:1", 1, 3)));

        assertThat(await(store.lastSeq("g:1"))).isEqualTo(3);
        assertThat(await(store.history("g:1", HistoryQuery.latest(10)))).isEqualTo(messages("g:1", 1, 3));
        // Every cell carries the decision's timestamp, not the time of the write.
        assertThat(row("SELECT writetime(body) AS t FROM {ks}.conversation_log WHERE conv_id = 'g:1' AND seq = 2")
                .getLong("t")).isEqualTo(2);
        assertThat(row("SELECT writetime(head) AS t FROM {ks}.conversation_log WHERE conv_id = 'g:1' LIMIT 1")
                .getLong("t")).isEqualTo(3);
    }

    @Test
    void aLowerHeadWrittenAfterAHigherOneDoesNotWin() {
        await(store.writeMessages("g:1", messages("g:1", 3, 4)));
        await(store.writeMessages("g:1", messages("g:1", 1, 2)));

        assertThat(await(store.lastSeq("g:1"))).isEqualTo(4);
        assertThat(await(store.history("g:1", HistoryQuery.latest(10)))).isEqualTo(messages("g:1", 1, 4));
        assertThat(row("SELECT head_ts FROM {ks}.conversation_log WHERE conv_id = 'g:1' LIMIT 1")
                .getInstant("head_ts")).isEqualTo(message("g:1", 4).timestamp());
    }

    // ---- conversations

    @Test
    void conversationAndItsIndexFollowMembershipChanges() {
        Conversation v1 = group("g:1", 1, "alice", "bob");
        Conversation v2 = group("g:1", 2, "alice", "carol");
        await(store.writeConversation(v1, List.of()));
        assertThat(await(store.findConversation("g:1"))).contains(v1);
        assertThat(await(store.conversationsOf("bob"))).containsExactly(v1);

        await(store.writeConversation(v2, List.of("bob")));

        assertThat(await(store.findConversation("g:1"))).contains(v2);
        assertThat(await(store.conversationsOf("alice"))).containsExactly(v2);
        assertThat(await(store.conversationsOf("carol"))).containsExactly(v2);
        assertThat(await(store.conversationsOf("bob"))).isEmpty();
        assertThat(await(store.findConversation("g:none"))).isEmpty();
        assertThat(await(store.conversationsOf("nobody"))).isEmpty();
    }

    @Test
    void conversationsOfListsEveryConversationOfTheUser() {
        Conversation direct = new Conversation(Conversation.directId("alice", "bob"), Conversation.Kind.DIRECT, "",
                List.of("alice", "bob"), "alice", T0, 1);
        Conversation g = group("g:1", 1, "alice", "carol");
        await(store.writeConversation(direct, List.of()));
        await(store.writeConversation(g, List.of()));

        assertThat(await(store.conversationsOf("alice"))).containsExactlyInAnyOrder(direct, g);
        assertThat(await(store.conversationsOf("bob"))).containsExactly(direct);
    }

    @Test
    void writingTheSameConversationTwiceLeavesTheSameCells() {
        Conversation v1 = group("g:1", 1, "alice", "bob", "carol");
        await(store.writeConversation(v1, List.of()));
        await(store.writeConversation(v1, List.of()));

        // A frozen list is one cell: the members are not appended twice.
        assertThat(await(store.findConversation("g:1"))).contains(v1);
        assertThat(await(store.conversationsOf("carol"))).containsExactly(v1);
        assertThat(row("SELECT writetime(members) AS t FROM {ks}.conversations WHERE conv_id = 'g:1'").getLong("t"))
                .isEqualTo(1);
    }

    @Test
    void anOlderConversationVersionWrittenAfterANewerOneDoesNotWin() {
        Conversation v1 = group("g:1", 1, "alice", "bob");
        Conversation v2 = group("g:1", 2, "alice", "carol");
        await(store.writeConversation(v2, List.of("bob")));
        // A zombie writer applies version 1 late: its index row for bob is older than bob's removal.
        await(store.writeConversation(v1, List.of()));

        assertThat(await(store.findConversation("g:1"))).contains(v2);
        assertThat(await(store.conversationsOf("bob"))).isEmpty();
        assertThat(admin.execute("SELECT conv_id FROM " + KEYSPACE + ".user_conversations WHERE user_id = 'bob'")
                .all()).isEmpty();
        assertThat(await(store.conversationsOf("carol"))).containsExactly(v2);
    }

    @Test
    void aUserRemovedThenAddedAgainIsListedAgain() {
        await(store.writeConversation(group("g:1", 1, "alice", "bob"), List.of()));
        await(store.writeConversation(group("g:1", 2, "alice"), List.of("bob")));
        Conversation v3 = group("g:1", 3, "alice", "bob");

        await(store.writeConversation(v3, List.of()));

        assertThat(await(store.conversationsOf("bob"))).containsExactly(v3);
    }

    // ---- inboxes

    @Test
    void inboxEntriesOfEveryKindReadBackSelfContained() {
        Conversation snapshot = group("g:1", 2, "alice", "bob");
        List<InboxEntry> entries = List.of(
                added("bob", 1),
                new InboxEntry("bob", 2, T0.plusSeconds(2), new InboxEvent.MessageAdded(
                        new StoredMessage("g:2", 7, "m-7", "carol", "carol-web", "c-7", T0, "no type", null))),
                new InboxEntry("bob", 3, T0.plusSeconds(3),
                        new InboxEvent.ReceiptAdvanced("g:1", "alice", ReceiptKind.READ, 1)),
                new InboxEntry("bob", 4, T0.plusSeconds(4),
                        new InboxEvent.MembershipChanged("g:1", "added", "alice", List.of("bob"), null,
                                snapshot.version())),
                new InboxEntry("bob", 5, T0.plusSeconds(5),
                        new InboxEvent.MembershipChanged("g:1", "left", "bob", List.of("bob"), null, 3)),
                new InboxEntry("bob", 6, T0.plusSeconds(6),
                        new InboxEvent.MembershipChanged("g:1", "renamed", "alice", List.of(), "new name", 4)));

        await(store.writeInbox("bob", entries));

        assertThat(await(store.readInbox("bob", 0, 10))).isEqualTo(entries);
        assertThat(await(store.readInbox("bob", 2, 1))).containsExactly(entries.get(2));
        assertThat(await(store.readInbox("bob", 6, 10))).isEmpty();
        assertThat(await(store.inboxHead("bob"))).isEqualTo(6);
        assertThat(await(store.inboxHead("nobody"))).isZero();
        assertThat(await(store.readInbox("nobody", 0, 10))).isEmpty();
        // Self-contained: the message of entry 1 is read although the log holds nothing.
        assertThat(await(store.lastSeq("g:1"))).isZero();
    }

    @Test
    void writingTheSameInboxEntriesTwiceLeavesTheSameCells() {
        await(store.writeInbox("bob", added("bob", 1, 3)));
        await(store.writeInbox("bob", added("bob", 1, 3)));

        assertThat(await(store.readInbox("bob", 0, 10))).isEqualTo(added("bob", 1, 3));
        assertThat(await(store.inboxHead("bob"))).isEqualTo(3);
        assertThat(row("SELECT writetime(body) AS t FROM {ks}.inbox_entries WHERE user_id = 'bob' AND cursor = 2")
                .getLong("t")).isEqualTo(2);
        assertThat(row("SELECT writetime(head) AS t FROM {ks}.inbox_entries WHERE user_id = 'bob' LIMIT 1")
                .getLong("t")).isEqualTo(3);
    }

    @Test
    void readInboxStopsAtAGap() {
        await(store.writeInbox("bob", added("bob", 1, 2)));
        await(store.writeInbox("bob", List.of(added("bob", 4))));

        assertThat(cursors(await(store.readInbox("bob", 0, 10)))).containsExactly(1L, 2L);
        assertThat(await(store.readInbox("bob", 2, 10))).isEmpty();
        assertThat(cursors(await(store.readInbox("bob", 3, 10)))).containsExactly(4L);
        assertThat(await(store.inboxHead("bob"))).isEqualTo(4);

        await(store.writeInbox("bob", List.of(added("bob", 3))));

        assertThat(await(store.readInbox("bob", 0, 10))).isEqualTo(added("bob", 1, 4));
    }

    @Test
    void aLowerInboxHeadWrittenAfterAHigherOneDoesNotWin() {
        await(store.writeInbox("bob", added("bob", 3, 4)));
        await(store.writeInbox("bob", added("bob", 1, 2)));

        assertThat(await(store.inboxHead("bob"))).isEqualTo(4);
        assertThat(await(store.readInbox("bob", 0, 10))).isEqualTo(added("bob", 1, 4));
    }

    @Test
    void pruningDeletesOldEntriesForGoodAndReadersStartAfterThem() {
        List<InboxEntry> old = added("bob", 1, 3);
        InboxEntry recent = new InboxEntry("bob", 4, T0.plus(Duration.ofDays(40)),
                new InboxEvent.ReceiptAdvanced("g:1", "alice", ReceiptKind.DELIVERED, 3));
        await(store.writeInbox("bob", old));
        await(store.writeInbox("bob", List.of(recent)));
        await(store.writeInbox("carol", added("carol", 1, 2)));

        assertThat(await(store.pruneInboxes(T0.plus(Duration.ofDays(30))))).isEqualTo(5);

        assertThat(await(store.readInbox("bob", 0, 10))).containsExactly(recent);
        assertThat(await(store.readInbox("carol", 0, 10))).isEmpty();
        assertThat(await(store.inboxHead("bob"))).isEqualTo(4);
        assertThat(await(store.inboxHead("carol"))).isEqualTo(2);
        // A replay of the pruned entries does not bring them back.
        await(store.writeInbox("bob", old));
        assertThat(await(store.readInbox("bob", 0, 10))).containsExactly(recent);
        assertThat(await(store.pruneInboxes(T0.plus(Duration.ofDays(30))))).isZero();
        // New entries follow on.
        await(store.writeInbox("carol", List.of(added("carol", 3))));
        assertThat(await(store.readInbox("carol", 0, 10))).containsExactly(added("carol", 3));
    }

    @Test
    void pruningStopsAtAGap() {
        await(store.writeInbox("bob", added("bob", 1, 2)));
        await(store.writeInbox("bob", List.of(added("bob", 4))));

        assertThat(await(store.pruneInboxes(T0.plus(Duration.ofDays(30))))).isEqualTo(2);

        // Entry 3, still being written, is not deleted when it lands.
        await(store.writeInbox("bob", List.of(added("bob", 3))));
        assertThat(cursors(await(store.readInbox("bob", 0, 10)))).containsExactly(3L, 4L);
    }

    // ---- device cursors

    @Test
    void aDeviceCursorOnlyRises() {
        assertThat(await(store.deviceCursor("alice", "phone"))).isZero();
        await(store.saveDeviceCursor("alice", "phone", 7));
        await(store.saveDeviceCursor("alice", "phone", 7));
        await(store.saveDeviceCursor("alice", "phone", 5));

        assertThat(await(store.deviceCursor("alice", "phone"))).isEqualTo(7);
        await(store.saveDeviceCursor("alice", "phone", 9));
        assertThat(await(store.deviceCursor("alice", "phone"))).isEqualTo(9);
        assertThat(await(store.deviceCursor("alice", "laptop"))).isZero();
    }

    @Test
    void aDeletedDeviceKeepsNoCursorEvenWhenASaveArrivesLate() {
        await(store.putDevice(new Device("alice", "dev_1", "phone", "hash-1", T0, null, null)));
        await(store.saveDeviceCursor("alice", "dev_1", 7));

        assertThat(await(store.deleteDevice("alice", "dev_1"))).isTrue();
        assertThat(await(store.deviceCursor("alice", "dev_1"))).isZero();
        await(store.saveDeviceCursor("alice", "dev_1", 8));
        assertThat(await(store.deviceCursor("alice", "dev_1"))).isZero();
    }

    // ---- watermarks

    @Test
    void watermarksReadBackAndEachOnlyRises() {
        await(store.writeWatermarks("g:1", "alice", new Watermarks(5, 3)));
        await(store.writeWatermarks("g:1", "bob", new Watermarks(2, 0)));
        assertThat(await(store.watermarks("g:1")))
                .isEqualTo(Map.of("alice", new Watermarks(5, 3), "bob", new Watermarks(2, 0)));

        // Late and partial writes: each cell keeps its highest value.
        await(store.writeWatermarks("g:1", "alice", new Watermarks(4, 4)));
        await(store.writeWatermarks("g:1", "alice", new Watermarks(0, 2)));
        await(store.writeWatermarks("g:1", "alice", new Watermarks(5, 3)));
        await(store.writeWatermarks("g:1", "carol", Watermarks.NONE));

        assertThat(await(store.watermarks("g:1")))
                .isEqualTo(Map.of("alice", new Watermarks(5, 4), "bob", new Watermarks(2, 0)));
        assertThat(await(store.watermarks("g:none"))).isEmpty();
    }

    // ---- argument checks and failures

    @Test
    void malformedWritesAreRefusedAtOnce() {
        assertThatThrownBy(() -> store.writeMessages("g:1", List.of(message("g:1", 1), message("g:1", 3))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeMessages("g:1", List.of(message("g:2", 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeMessages("g:1", List.of(message("g:1", 0))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeInbox("bob", List.of(added("bob", 2), added("bob", 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeInbox("bob", List.of(added("carol", 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeConversation(group("g:1", 2, "alice", "bob"), List.of("bob")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.writeWatermarks("g:1", "bob", new Watermarks(-1, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.saveDeviceCursor("bob", "phone", -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.readInbox("bob", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        // Nothing to write is not an error.
        await(store.writeMessages("g:1", List.of()));
        await(store.writeInbox("bob", List.of()));
        assertThat(await(store.lastSeq("g:1"))).isZero();
        assertThat(await(store.inboxHead("bob"))).isZero();
        assertThat(await(store.message("g:1", 1))).isEqualTo(Optional.empty());
    }

    @Test
    void unreachableClusterIsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CassandraConfig nowhere = new CassandraConfig(List.of(new InetSocketAddress("127.0.0.1", closedPort)),
                "datacenter1", "nowhere", 1, Duration.ofSeconds(2), false, false);
        assertThatThrownBy(() -> new CassandraStore(nowhere))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }

    @Test
    void aClosedStoreAnswersUnavailable() {
        CassandraStore other = new CassandraStore(admin, false, NODE.config(KEYSPACE));
        other.close();

        assertThatThrownBy(() -> await(other.lastSeq("g:1")))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThatThrownBy(() -> await(other.writeInbox("bob", List.of())))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }
}
