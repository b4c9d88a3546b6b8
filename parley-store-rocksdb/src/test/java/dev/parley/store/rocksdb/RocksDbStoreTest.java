package dev.parley.store.rocksdb;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.testkit.store.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the RocksDB adapter promises beyond the shared contract: group commit, restarts, lifecycle. */
class RocksDbStoreTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final MutableClock time = new MutableClock(T0);
    private final GatedClock clock = new GatedClock(time);
    private final List<RocksDbStore> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        clock.release();
        opened.forEach(RocksDbStore::close);
    }

    private RocksDbStore open(RocksDbStore.Options options) {
        RocksDbStore store = new RocksDbStore(dir, options, clock);
        opened.add(store);
        return store;
    }

    private RocksDbStore open() {
        return open(RocksDbStore.Options.DEFAULTS);
    }

    private static Conversation group(String id, String... members) {
        return new Conversation(id, Conversation.Kind.GROUP, id, List.of(members), members[0], T0, 1);
    }

    private static NewMessage message(String conv, String sender, String clientMsgId) {
        return new NewMessage(conv, sender, sender + "-phone", clientMsgId, "body " + clientMsgId, "text/plain");
    }

    private static CompletableFuture<AppendResult> append(RocksDbStore store, String conv, String sender, String id) {
        return store.appendMessage(message(conv, sender, id)).toCompletableFuture();
    }

    // ---- restarts

    /** A store written before idempotency keys named their conversation (schema 1) is migrated on open. */
    @Test
    void aSchema1StoreIsMigratedAndItsRetriesStillAnswerWithTheFirstMessage() throws Exception {
        RocksDbStore first = open();
        await(first.createConversation(group("g:old", "alice", "bob"), "alice"));
        List<AppendResult> sent = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            sent.add(await(append(first, "g:old", "alice", "c-" + i)));
        }
        first.close();
        try (Storage raw = new Storage(dir, RocksDbStore.Options.DEFAULTS)) { // rewrite it as schema 1 had it
            for (AppendResult r : sent) {
                String cmid = r.message().clientMsgId();
                raw.db.delete(raw.handle(Cf.IDEMPOTENCY), Keys.idempotency("alice", "alice-phone", "g:old", cmid));
                byte[] v1 = Keys.utf8("\0\5alice\0\13alice-phone" + cmid);
                raw.db.put(raw.handle(Cf.IDEMPOTENCY), v1, Codec.messageRef("g:old", r.message().seq()));
            }
            raw.db.put(raw.handle(Cf.META), Keys.SCHEMA_VERSION, Codec.u64(1));
        }

        RocksDbStore second = open();
        for (AppendResult r : sent) {
            AppendResult retry = await(append(second, "g:old", "alice", r.message().clientMsgId()));
            assertThat(retry.duplicate()).as("retry of %s", r.message().clientMsgId()).isTrue();
            assertThat(retry.message()).isEqualTo(r.message());
        }
        assertThat(await(second.lastSeq("g:old"))).isEqualTo(25);
        second.close();
        try (Storage raw = new Storage(dir, RocksDbStore.Options.DEFAULTS)) {
            assertThat(Codec.u64(raw.db.get(raw.handle(Cf.META), Keys.SCHEMA_VERSION))).isEqualTo(2);
        }
    }

    @Test
    void reopenedStoreContinuesSequencesCursorsAndIdempotency() {
        RocksDbStore first = open();
        await(first.createConversation(group("g:r", "alice", "bob"), "alice"));
        time.set(T0.plusSeconds(60));
        AppendResult m1 = await(append(first, "g:r", "alice", "c-1"));
        await(append(first, "g:r", "bob", "c-2"));
        await(first.saveDeviceCursor("bob", "phone", 2));
        await(first.advanceWatermark("g:r", "bob", ReceiptKind.READ, 1));
        await(first.createUser(new User("alice", "$argon2id$x", LastSeenPrivacy.CONTACTS, T0)));
        first.close();

        time.set(T0); // the clock went back across the restart
        RocksDbStore second = open();
        AppendResult retry = await(append(second, "g:r", "alice", "c-1"));
        AppendResult m3 = await(append(second, "g:r", "alice", "c-3"));

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.message()).isEqualTo(m1.message());
        assertThat(m3.message().seq()).isEqualTo(3);
        assertThat(m3.message().timestamp()).isEqualTo(T0.plusSeconds(60));
        // created(1), c-1(2), c-2(3), bob's read receipt to alice(4), c-3(5)
        assertThat(m3.inboxEntries().get("alice").cursor()).isEqualTo(5);
        assertThat(await(second.readInbox("alice", 0, 10))).extracting(InboxEntry::cursor)
                .containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(await(second.deviceCursor("bob", "phone"))).isEqualTo(2);
        assertThat(await(second.watermarks("g:r")).get("bob").readUpTo()).isEqualTo(1);
        assertThat(await(second.findUser("alice"))).isPresent();
        assertThat(await(second.conversationsOf("bob"))).hasSize(1);
    }

    @Test
    void inboxHeadSurvivesPruningTheWholeInboxAndARestart() {
        RocksDbStore first = open();
        await(first.createConversation(group("g:p", "alice", "bob"), "alice"));
        await(append(first, "g:p", "alice", "c-1"));
        assertThat(await(first.pruneInboxes(T0.plusSeconds(1)))).isEqualTo(4);
        first.close();

        RocksDbStore second = open();
        assertThat(await(second.inboxHead("bob"))).isEqualTo(2);
        assertThat(await(append(second, "g:p", "alice", "c-2")).inboxEntries().get("bob").cursor()).isEqualTo(3);
    }

    @Test
    void unsyncedModeStillCommitsAndReopens() {
        RocksDbStore.Options options = RocksDbStore.Options.DEFAULTS.withFsync(RocksDbStore.FsyncPolicy.NEVER);
        RocksDbStore first = open(options);
        await(first.createConversation(group("g:n", "alice", "bob"), "alice"));
        for (int i = 0; i < 50; i++) {
            append(first, "g:n", "alice", "c-" + i);
        }
        await(append(first, "g:n", "bob", "last"));
        first.close();

        RocksDbStore second = open(options);
        assertThat(await(second.lastSeq("g:n"))).isEqualTo(51);
    }

    @Test
    void aDirectoryOpenElsewhereIsRefused() {
        open();
        assertThatThrownBy(() -> new RocksDbStore(dir, RocksDbStore.Options.DEFAULTS, clock))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }

    // ---- group commit

    @Test
    void requestsOfOneGroupSeeEachOtherAndAnInvalidOneFailsAlone() throws Exception {
        RocksDbStore store = open();
        await(store.createConversation(group("g:blocker", "zed", "yan"), "zed"));
        clock.arm();
        CompletableFuture<AppendResult> blocker = append(store, "g:blocker", "zed", "z-1");
        clock.awaitHeld();

        // Queued behind the held committer, these are taken as one group.
        CompletableFuture<ConversationWrite> create = store.createConversation(group("g:new", "alice", "bob"), "alice")
                .toCompletableFuture();
        CompletableFuture<ConversationWrite> createAgain = store.createConversation(group("g:new", "alice", "bob"),
                "bob").toCompletableFuture();
        CompletableFuture<AppendResult> a1 = append(store, "g:new", "alice", "c-1");
        CompletableFuture<AppendResult> intruder = append(store, "g:new", "mallory", "m-1");
        CompletableFuture<AppendResult> b1 = append(store, "g:new", "bob", "c-2");
        CompletableFuture<AppendResult> retry = append(store, "g:new", "alice", "c-1");
        CompletableFuture<Map<String, InboxEntry>> read = store.advanceWatermark("g:new", "bob", ReceiptKind.READ, 9)
                .toCompletableFuture();
        CompletableFuture<Boolean> user1 = store.createUser(new User("u", "h1", LastSeenPrivacy.EVERYONE, T0))
                .toCompletableFuture();
        CompletableFuture<Boolean> user2 = store.createUser(new User("u", "h2", LastSeenPrivacy.EVERYONE, T0))
                .toCompletableFuture();
        assertThat(create).isNotDone();
        clock.release();

        assertThat(await(blocker).message().seq()).isEqualTo(1);
        assertThat(await(create).applied()).isTrue();
        assertThat(await(createAgain).applied()).isFalse();
        assertThat(await(a1).message().seq()).isEqualTo(1);
        assertFailsWith(intruder, ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(b1).message().seq()).isEqualTo(2);
        assertThat(await(retry).duplicate()).isTrue();
        assertThat(await(retry).message()).isEqualTo(await(a1).message());
        // The pending messages are visible to the watermark: capped at 2, alice sent 1.
        assertThat(await(read)).containsOnlyKeys("alice", "bob");
        assertThat(await(user1)).isTrue();
        assertThat(await(user2)).isFalse();
        assertThat(await(store.findUser("u")).orElseThrow().passwordHash()).isEqualTo("h1");

        assertThat(await(store.lastSeq("g:new"))).isEqualTo(2);
        assertThat(await(store.readInbox("bob", 0, 10))).extracting(InboxEntry::cursor)
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(await(store.inboxHead("mallory"))).isZero();
    }

    @Test
    void aFullQueueFailsFast() throws Exception {
        RocksDbStore store = open(RocksDbStore.Options.DEFAULTS.withQueueCapacity(4));
        await(store.createConversation(group("g:q", "alice", "bob"), "alice"));
        clock.arm();
        CompletableFuture<AppendResult> held = append(store, "g:q", "alice", "c-0");
        clock.awaitHeld();
        List<CompletableFuture<AppendResult>> queued = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            queued.add(append(store, "g:q", "alice", "c-" + i));
        }

        CompletableFuture<AppendResult> rejected = append(store, "g:q", "alice", "c-5");

        assertThat(rejected).isCompletedExceptionally();
        assertThatThrownBy(rejected::join).cause().isInstanceOfSatisfying(ParleyException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).isEqualTo("store overloaded");
        });
        clock.release();
        assertThat(await(held).message().seq()).isEqualTo(1);
        assertThat(queued.stream().map(f -> await(f).message().seq())).containsExactly(2L, 3L, 4L, 5L);
        assertThat(await(store.lastSeq("g:q"))).isEqualTo(5);
    }

    @Test
    void closeCommitsQueuedWritesThenRefusesNewOnes() throws Exception {
        RocksDbStore store = open();
        await(store.createConversation(group("g:c", "alice", "bob"), "alice"));
        clock.arm();
        CompletableFuture<AppendResult> held = append(store, "g:c", "alice", "c-0");
        clock.awaitHeld();
        List<CompletableFuture<AppendResult>> queued = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            queued.add(append(store, "g:c", "bob", "c-" + i));
        }
        Thread closer = new Thread(store::close, "closer");
        closer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.WAITING
                || closer.getState() == Thread.State.TIMED_WAITING);

        assertFailsWith(append(store, "g:c", "alice", "late"), ErrorCode.UNAVAILABLE);
        clock.release();
        closer.join();

        assertThat(await(held).message().seq()).isEqualTo(1);
        assertThat(queued.stream().map(f -> await(f).message().seq()).toList()).containsExactly(2L, 3L, 4L, 5L, 6L,
                7L, 8L, 9L, 10L);
        assertFailsWith(store.lastSeq("g:c"), ErrorCode.UNAVAILABLE);
        assertFailsWith(store.createUser(new User("x", "h", LastSeenPrivacy.EVERYONE, T0)), ErrorCode.UNAVAILABLE);

        RocksDbStore reopened = open();
        assertThat(await(reopened.lastSeq("g:c"))).isEqualTo(10);
    }

    // ---- receipts over long ranges

    @Test
    void receiptOverMoreThanTheScanLimitGoesToEveryOtherMember() {
        RocksDbStore store = open();
        await(store.createConversation(group("g:long", "alice", "bob", "carol"), "alice"));
        List<CompletableFuture<AppendResult>> sends = new ArrayList<>();
        for (int i = 0; i <= Writes.RECEIPT_SCAN_LIMIT; i++) {
            sends.add(append(store, "g:long", "alice", "c-" + i));
        }
        sends.forEach(f -> await(f));

        Map<String, InboxEntry> entries = await(store.advanceWatermark("g:long", "bob", ReceiptKind.DELIVERED,
                Long.MAX_VALUE));

        // carol sent nothing, but the range is too long to scan for senders.
        assertThat(entries).containsOnlyKeys("alice", "carol");
        assertThat(await(store.watermarks("g:long")).get("bob").deliveredUpTo())
                .isEqualTo(Writes.RECEIPT_SCAN_LIMIT + 1);
        assertThat(await(store.history("g:long", HistoryQuery.latest(1))).get(0).seq())
                .isEqualTo(Writes.RECEIPT_SCAN_LIMIT + 1);
    }

    @Test
    void receiptsGoToTheSendersOfTheCoveredRangeWhetherRememberedOrScanned() {
        List<String> members = List.of("ann", "ben", "cat", "dan");
        java.util.Random random = new java.util.Random(42);
        List<String> senders = new ArrayList<>(); // senders.get(seq - 1)
        Map<String, long[]> model = new java.util.HashMap<>(); // user -> {delivered, read}
        RocksDbStore store = open();
        await(store.createConversation(group("g:mix", members.toArray(String[]::new)), "ann"));
        for (int round = 0; round < 3; round++) {
            if (round == 2) {
                // A restart forgets every recent sender: ranges are answered by scanning the log.
                store.close();
                store = open();
            }
            for (int step = 0; step < 150; step++) {
                if (random.nextInt(3) > 0 || senders.isEmpty()) {
                    // Runs of one sender, broken often enough to exceed what is remembered.
                    String sender = random.nextInt(3) == 0 && !senders.isEmpty() ? senders.get(senders.size() - 1)
                            : members.get(random.nextInt(members.size()));
                    await(append(store, "g:mix", sender, "m" + senders.size()));
                    senders.add(sender);
                    continue;
                }
                String user = members.get(random.nextInt(members.size()));
                ReceiptKind kind = random.nextInt(4) == 0 ? ReceiptKind.READ : ReceiptKind.DELIVERED;
                long[] wm = model.computeIfAbsent(user, u -> new long[2]);
                long old = kind == ReceiptKind.READ ? wm[1] : wm[0];
                long upTo = Math.max(0, old - 3 + random.nextInt(senders.size() - (int) Math.min(old, senders.size())
                        + 6));
                long capped = Math.min(upTo, senders.size());
                java.util.Set<String> expected = new java.util.HashSet<>();
                if (capped > old) {
                    for (long seq = old + 1; seq <= capped; seq++) {
                        if (!senders.get((int) seq - 1).equals(user)) {
                            expected.add(senders.get((int) seq - 1));
                        }
                    }
                    if (kind == ReceiptKind.READ) {
                        expected.add(user);
                        wm[1] = capped;
                        wm[0] = Math.max(wm[0], capped);
                    } else {
                        wm[0] = capped;
                    }
                }

                Map<String, InboxEntry> entries = await(store.advanceWatermark("g:mix", user, kind, upTo));

                assertThat(entries.keySet()).as("round %d step %d: %s %s (%d, %d]", round, step, user, kind, old,
                        capped).isEqualTo(expected);
            }
        }
        Map<String, dev.parley.core.message.Watermarks> stored = await(store.watermarks("g:mix"));
        model.forEach((user, wm) -> {
            assertThat(stored.get(user).deliveredUpTo()).isEqualTo(wm[0]);
            assertThat(stored.get(user).readUpTo()).isEqualTo(wm[1]);
        });
    }

    // ---- arguments

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> RocksDbStore.Options.DEFAULTS.withBatchMax(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchMax");
        assertThatThrownBy(() -> RocksDbStore.Options.DEFAULTS.withQueueCapacity(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueCapacity");
        assertThatThrownBy(() -> RocksDbStore.Options.DEFAULTS.withReadThreads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readThreads");
        assertThatThrownBy(() -> RocksDbStore.Options.DEFAULTS.withBlockCacheBytes(1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blockCacheBytes");
    }

    @Test
    void nonPositiveLimitsAreRefusedAtOnce() {
        RocksDbStore store = open();
        assertThatThrownBy(() -> store.readInbox("alice", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.history("g", new HistoryQuery(HistoryQuery.Direction.AFTER, 0, false, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
