package dev.parley.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.Watermarks;
import dev.parley.log.kafka.LogRecords.Command;
import dev.parley.log.kafka.LogRecords.Outcome;
import dev.parley.protocol.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The two single writers on Kafka Streams' test driver: what they decide for each command. */
class SequencersTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Conversation TEAM = new Conversation("g:team", Conversation.Kind.GROUP, "Team",
            List.of("alice", "bob", "carol"), "alice", T0, 1);

    private final LogTopics topics = new LogTopics("t.", "s1");
    private final LogCodec codec = new LogCodec();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> outcomes;
    private TestOutputTopic<String, byte[]> inboxes;
    private int requests;

    @BeforeEach
    void open() {
        driver = driver("a");
        commands = driver.createInputTopic(topics.commands(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        outcomes = driver.createOutputTopic(topics.outcomes(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        inboxes = driver.createOutputTopic(topics.inboxEntries(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    private TopologyTestDriver driver(String name) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "sequencers-test-" + name);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        return new TopologyTestDriver(LogTopology.build(topics), p);
    }

    @AfterEach
    void close() {
        driver.close();
    }

    private Outcome send(Command c) {
        commands.pipeInput(c.conversationId(), codec.encode(c));
        List<Outcome> out = outcomes.readValuesToList().stream().map(codec::outcome).toList();
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private List<InboxEntry> entries() {
        return inboxes.readValuesToList().stream().map(v -> codec.numberedEntry(v).entry()).toList();
    }

    private String req() {
        return "r" + (++requests);
    }

    private Command.Append append(String sender, String clientMsgId, Instant at) {
        return new Command.Append("s1", req(), at, "m-" + clientMsgId,
                new NewMessage(TEAM.id(), sender, sender + "-phone", clientMsgId, "hi " + clientMsgId, null));
    }

    @Test
    void messagesGetGapFreeSequenceNumbersAndEveryMemberGetsGapFreeCursors() {
        assertThat(send(new Command.Create("s1", req(), T0, TEAM, "alice")))
                .isInstanceOfSatisfying(Outcome.Changed.class, c -> assertThat(c.applied()).isTrue());
        for (int i = 1; i <= 3; i++) {
            Outcome o = send(append(i % 2 == 0 ? "bob" : "alice", "c" + i, T0.plusSeconds(i)));
            assertThat(o).isInstanceOfSatisfying(Outcome.Stored.class, s -> {
                assertThat(s.message().seq()).isEqualTo(s.message().clientMsgId().charAt(1) - '0');
                assertThat(s.recipients()).containsExactly("alice", "bob", "carol");
                assertThat(s.duplicate()).isFalse();
            });
        }
        List<InboxEntry> entries = entries();
        for (String user : TEAM.members()) {
            List<InboxEntry> mine = entries.stream().filter(e -> e.userId().equals(user)).toList();
            assertThat(mine).extracting(InboxEntry::cursor).containsExactly(1L, 2L, 3L, 4L);
            assertThat(mine.get(0).event()).isInstanceOf(InboxEvent.MembershipChanged.class);
            assertThat(mine.subList(1, 4)).extracting(e -> ((InboxEvent.MessageAdded) e.event()).message().seq())
                    .containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void aRetriedSendIsADuplicateOfTheFirstAndWritesNothing() {
        send(new Command.Create("s1", req(), T0, TEAM, "alice"));
        send(append("alice", "c1", T0));
        entries();
        Outcome again = send(append("alice", "c1", T0.plusSeconds(5)));
        assertThat(again).isEqualTo(new Outcome.Duplicate("s1", "r3", TEAM.id(), 1));
        assertThat(entries()).isEmpty();
    }

    @Test
    void timestampsNeverGoBackAlongTheSequence() {
        send(new Command.Create("s1", req(), T0, TEAM, "alice"));
        Outcome.Stored first = (Outcome.Stored) send(append("alice", "c1", T0.plusSeconds(10)));
        Outcome.Stored second = (Outcome.Stored) send(append("bob", "c2", T0.plusSeconds(3)));
        assertThat(second.message().timestamp()).isEqualTo(first.message().timestamp());
    }

    @Test
    void nonMembersAndUnknownConversationsAreRejected() {
        assertThat(send(append("alice", "c1", T0))).isInstanceOfSatisfying(Outcome.Rejected.class,
                r -> assertThat(r.code()).isEqualTo(ErrorCode.CONVERSATION_NOT_FOUND));
        send(new Command.Create("s1", req(), T0, TEAM, "alice"));
        assertThat(send(append("mallory", "c1", T0))).isInstanceOf(Outcome.Rejected.class);
        entries();
        assertThat(entries()).isEmpty();
    }

    @Test
    void anUpdateAppliesOnlyOnTheNextVersionAndTellsWhoWasRemoved() {
        send(new Command.Create("s1", req(), T0, TEAM, "alice"));
        Conversation v2 = new Conversation(TEAM.id(), TEAM.kind(), TEAM.name(), List.of("alice", "bob"), "alice", T0, 2);
        InboxEvent.MembershipChanged removed = new InboxEvent.MembershipChanged(TEAM.id(), "removed", "alice",
                List.of("carol"), null, 2);
        entries();
        Outcome applied = send(new Command.Update("s1", req(), T0, v2, removed, TEAM.members()));
        assertThat(applied).isEqualTo(new Outcome.Changed("s1", "r2", v2, List.of("carol"), true, 3));
        List<InboxEntry> told = entries();
        assertThat(told).extracting(InboxEntry::userId).containsExactly("alice", "bob", "carol");
        assertThat(told).extracting(InboxEntry::event).as("only the change, never the member list")
                .containsOnly(removed);
        Outcome stale = send(new Command.Update("s1", req(), T0, v2, removed, TEAM.members()));
        assertThat(stale).isEqualTo(new Outcome.Changed("s1", "r3", v2, List.of(), false, 0));
        assertThat(send(append("carol", "c9", T0))).isInstanceOf(Outcome.Rejected.class);
    }

    @Test
    void marksRiseCappedAtTheHeadAndTellTheSendersAndTheReadersOtherDevices() {
        send(new Command.Create("s1", req(), T0, TEAM, "alice"));
        send(append("alice", "c1", T0));
        send(append("alice", "c2", T0));
        entries();
        Outcome read = send(new Command.Mark("s1", req(), T0, TEAM.id(), "bob", ReceiptKind.READ, 99));
        assertThat(read).isEqualTo(new Outcome.Marked("s1", "r4", TEAM.id(), "bob", new Watermarks(2, 2), true, 2));
        assertThat(entries()).extracting(InboxEntry::userId, e -> e.event())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("alice",
                                new InboxEvent.ReceiptAdvanced(TEAM.id(), "bob", ReceiptKind.READ, 2)),
                        org.assertj.core.groups.Tuple.tuple("bob",
                                new InboxEvent.ReceiptAdvanced(TEAM.id(), "bob", ReceiptKind.READ, 2)));
        Outcome again = send(new Command.Mark("s1", req(), T0, TEAM.id(), "bob", ReceiptKind.DELIVERED, 1));
        assertThat(again).isEqualTo(new Outcome.Marked("s1", "r5", TEAM.id(), "bob", new Watermarks(2, 2), false, 0));
        Outcome stranger = send(new Command.Mark("s1", req(), T0, TEAM.id(), "mallory", ReceiptKind.READ, 1));
        assertThat(stranger).isInstanceOfSatisfying(Outcome.Marked.class, m -> assertThat(m.raised()).isFalse());
        assertThat(entries()).isEmpty();
    }

    /** What a replay relies on: the same commands give the same outcomes and entries, byte for byte. */
    @Test
    void theSameCommandsDecideTheSameOnAnyInstance() {
        List<Command> log = new ArrayList<>();
        log.add(new Command.Create("s1", req(), T0, TEAM, "alice"));
        for (int i = 0; i < 20; i++) {
            log.add(append(TEAM.members().get(i % 3), "c" + (i % 7), T0.plusMillis(i * 37L % 100)));
            log.add(new Command.Mark("s1", req(), T0, TEAM.id(), TEAM.members().get((i + 1) % 3),
                    i % 2 == 0 ? ReceiptKind.DELIVERED : ReceiptKind.READ, i));
        }
        List<List<byte[]>> runs = new ArrayList<>();
        for (String name : List.of("b", "c")) {
            try (TopologyTestDriver d = driver(name)) {
                TestInputTopic<String, byte[]> in = d.createInputTopic(topics.commands(), Serdes.String().serializer(),
                        Serdes.ByteArray().serializer());
                log.forEach(c -> in.pipeInput(c.conversationId(), codec.encode(c)));
                List<byte[]> out = new ArrayList<>(d.createOutputTopic(topics.outcomes(),
                        Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readValuesToList());
                out.addAll(d.createOutputTopic(topics.inboxEntries(), Serdes.String().deserializer(),
                        Serdes.ByteArray().deserializer()).readValuesToList());
                runs.add(out);
            }
        }
        assertThat(runs.get(0)).hasSizeGreaterThan(60);
        assertThat(runs.get(0)).usingElementComparator(java.util.Arrays::compare).isEqualTo(runs.get(1));
    }
}
