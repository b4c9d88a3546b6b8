package dev.parley.testkit.store;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.HistoryQuery.Direction;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link MessageStore} adapter passes: the log (gap-free sequences,
 * idempotent sends, history paging), the inboxes (one entry per member per message, gap-free
 * cursors, pruning), device cursors and receipt watermarks. Extend it and implement
 * {@link #createStores}; the conversations the tests send to are created through the same
 * backend's {@link dev.parley.core.conversation.ConversationStore}, whose own promises
 * {@link ConversationStoreContract} checks.
 *
 * <p>Long because it is the port's promises, each a test, and every adapter and the in-memory
 * fake run it whole.
 */
public abstract class MessageStoreContract extends MessagingStoresFixture {

    private List<Long> history(String conv, Direction direction, long anchor, boolean byTimestamp, int limit) {
        return seqs(await(messages.history(conv, new HistoryQuery(direction, anchor, byTimestamp, limit))));
    }

    // ---- sequences and sends

    @Test
    void concurrentAppendsGetGapFreeSequencesAndEveryMemberSeesOneOrder() throws Exception {
        create("g:busy", "alice", "bob", "carol");
        String[] senders = {"alice", "bob", "carol"};
        int threads = 8;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<CompletableFuture<AppendResult>>>> submitted = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                submitted.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        String sender = senders[(thread + i) % senders.length];
                        NewMessage m = new NewMessage("g:busy", sender, "device-" + thread, "t" + thread + "-" + i,
                                "hello " + i, "text/plain");
                        mine.add(messages.appendMessage(m).toCompletableFuture());
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<AppendResult> results = new ArrayList<>();
            for (Future<List<CompletableFuture<AppendResult>>> f : submitted) {
                for (CompletableFuture<AppendResult> r : f.get()) {
                    results.add(await(r));
                }
            }
            int total = threads * perThread;
            assertThat(results).allSatisfy(r -> assertThat(r.duplicate()).isFalse());
            assertThat(results.stream().map(r -> r.message().seq()).sorted().toList()).isEqualTo(range(1, total));
            assertThat(results.stream().map(r -> r.message().messageId()).distinct().count()).isEqualTo(total);
            assertThat(await(messages.lastSeq("g:busy"))).isEqualTo(total);

            List<StoredMessage> log = new ArrayList<>();
            for (long after = 0; after < total; after += 1000) {
                log.addAll(await(messages.history("g:busy", new HistoryQuery(Direction.AFTER, after, false, 1000))));
            }
            assertThat(seqs(log)).isEqualTo(range(1, total));
            for (int i = 1; i < log.size(); i++) {
                assertThat(log.get(i).timestamp()).isAfterOrEqualTo(log.get(i - 1).timestamp());
            }
            for (String member : senders) {
                List<InboxEntry> entries = inbox(member);
                assertThat(entries).extracting(InboxEntry::cursor).isEqualTo(range(1, total + 1));
                assertThat(await(messages.inboxHead(member))).isEqualTo(total + 1);
                List<Long> order = entries.stream().skip(1)
                        .map(e -> ((InboxEvent.MessageAdded) e.event()).message().seq()).toList();
                assertThat(order).as("order of messages in %s's inbox", member).isEqualTo(range(1, total));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void retriedSendReturnsTheFirstMessageAndWritesNothing() {
        create("g:retry", "alice", "bob");
        AppendResult first = send("g:retry", "alice", "c-1");
        long bobHead = await(messages.inboxHead("bob"));

        NewMessage retry = new NewMessage("g:retry", "alice", "alice-phone", "c-1", "a different body", "text/plain");
        AppendResult again = await(messages.appendMessage(retry));

        assertThat(first.duplicate()).isFalse();
        assertThat(again.duplicate()).isTrue();
        assertThat(again.message()).isEqualTo(first.message());
        assertThat(again.inboxEntries()).isEmpty();
        assertThat(await(messages.lastSeq("g:retry"))).isEqualTo(1);
        assertThat(await(messages.inboxHead("bob"))).isEqualTo(bobHead);
        assertThat(await(messages.inboxHead("alice"))).isEqualTo(bobHead);
    }

    @Test
    void sameClientMessageIdFromAnotherDeviceIsANewMessage() {
        create("g:devices", "alice", "bob");
        AppendResult phone = send("g:devices", "alice", "c-1");
        AppendResult laptop = await(messages.appendMessage(
                new NewMessage("g:devices", "alice", "alice-laptop", "c-1", "hi", "text/plain")));
        assertThat(laptop.duplicate()).isFalse();
        assertThat(laptop.message().seq()).isEqualTo(phone.message().seq() + 1);
    }

    /** The documented scope of an idempotency key: device, conversation and client id (PROTOCOL.md 4.7). */
    @Test
    void sameClientMessageIdInAnotherConversationIsANewMessage() {
        create("g:scope-1", "alice", "bob");
        create("g:scope-2", "alice", "bob");
        AppendResult one = send("g:scope-1", "alice", "c-1");
        AppendResult two = send("g:scope-2", "alice", "c-1");
        assertThat(two.duplicate()).isFalse();
        assertThat(two.message().conversationId()).isEqualTo("g:scope-2");
        assertThat(two.message().messageId()).isNotEqualTo(one.message().messageId());
        AppendResult retryOfTwo = send("g:scope-2", "alice", "c-1");
        assertThat(retryOfTwo.duplicate()).isTrue();
        assertThat(retryOfTwo.message()).isEqualTo(two.message());
        assertThat(await(messages.lastSeq("g:scope-1"))).isEqualTo(1);
        assertThat(await(messages.lastSeq("g:scope-2"))).isEqualTo(1);
    }

    @Test
    void concurrentRetriesOfOneSendBecomeOneMessage() {
        create("g:race", "alice", "bob");
        List<CompletableFuture<AppendResult>> attempts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            attempts.add(messages.appendMessage(message("g:race", "alice", "c-same")).toCompletableFuture());
        }
        List<AppendResult> results = attempts.stream().map(Async::await).toList();
        assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
        assertThat(results).extracting(r -> r.message().messageId()).containsOnly(results.get(0).message().messageId());
        assertThat(await(messages.lastSeq("g:race"))).isEqualTo(1);
        assertThat(inbox("bob")).hasSize(2);
    }

    @Test
    void appendByNonMemberIsRefusedAndStoresNothing() {
        create("g:closed", "alice", "bob");
        assertFailsWith(messages.appendMessage(message("g:closed", "mallory", "m-1")),
                ErrorCode.CONVERSATION_NOT_FOUND);

        assertThat(await(messages.lastSeq("g:closed"))).isZero();
        assertThat(inbox("alice")).hasSize(1);
        assertThat(await(messages.inboxHead("mallory"))).isZero();
        // The refused send did not consume its idempotency key.
        create("g:open", "mallory", "alice");
        AppendResult later = send("g:open", "mallory", "m-1");
        assertThat(later.duplicate()).isFalse();
        assertThat(later.message().conversationId()).isEqualTo("g:open");
    }

    @Test
    void appendToMissingConversationIsRefused() {
        assertFailsWith(messages.appendMessage(message("g:nowhere", "alice", "c-1")), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(messages.lastSeq("g:nowhere"))).isZero();
        assertThat(await(messages.inboxHead("alice"))).isZero();
    }

    @Test
    void removedMemberCannotAppend() {
        Conversation c = create("g:kick", "alice", "bob");
        Conversation without = new Conversation(c.id(), c.kind(), c.name(), List.of("alice"), c.createdBy(),
                c.createdAt(), c.version() + 1);
        await(conversations.updateConversation(without, new InboxEvent.MembershipChanged(c.id(), "removed", "alice",
                List.of("bob"), null, without.version()), List.of("alice", "bob")));
        assertFailsWith(messages.appendMessage(message("g:kick", "bob", "b-1")), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(messages.lastSeq("g:kick"))).isZero();
    }

    @Test
    void messageTimestampsNeverDecreaseWhenTheClockGoesBack() {
        create("g:time", "alice", "bob");
        clock.set(T0.plusSeconds(60));
        StoredMessage first = send("g:time", "alice", "c-1").message();
        clock.set(T0.plusSeconds(10));
        StoredMessage second = send("g:time", "bob", "c-2").message();
        assertThat(first.timestamp()).isEqualTo(T0.plusSeconds(60));
        assertThat(second.timestamp()).isEqualTo(first.timestamp());
    }

    // ---- inboxes

    @Test
    void everyMemberGetsAnEntryPerMessageWithGapFreeCursors() {
        create("g:three", "alice", "bob", "carol");
        AppendResult a = send("g:three", "alice", "a-1");
        AppendResult b = send("g:three", "bob", "b-1");

        assertThat(a.inboxEntries()).containsOnlyKeys("alice", "bob", "carol");
        assertThat(a.inboxEntries().get("carol").cursor()).isEqualTo(2);
        assertThat(b.inboxEntries().get("carol").cursor()).isEqualTo(3);
        for (String user : List.of("alice", "bob", "carol")) {
            List<InboxEntry> entries = inbox(user);
            assertThat(entries).extracting(InboxEntry::cursor).containsExactly(1L, 2L, 3L);
            assertThat(entries).allSatisfy(e -> assertThat(e.userId()).isEqualTo(user));
            assertThat(entries.get(0).event()).isInstanceOfSatisfying(InboxEvent.MembershipChanged.class, e -> {
                assertThat(e.change()).isEqualTo("created");
                assertThat(e.users()).as("a membership entry never copies the member list").isEmpty();
                assertThat(e.version()).isEqualTo(1);
            });
            assertThat(entries.get(1)).isEqualTo(a.inboxEntries().get(user));
            assertThat(entries.get(2)).isEqualTo(b.inboxEntries().get(user));
            assertThat(entries.get(2).event()).isEqualTo(new InboxEvent.MessageAdded(b.message()));
        }
        // Outsiders' inboxes are untouched.
        assertThat(await(messages.inboxHead("dave"))).isZero();
        assertThat(inbox("dave")).isEmpty();
    }

    @Test
    void readInboxPagesAfterACursor() {
        create("g:page", "alice", "bob");
        for (int i = 1; i <= 9; i++) {
            send("g:page", "alice", "c-" + i);
        }
        assertThat(await(messages.readInbox("bob", 0, 4))).extracting(InboxEntry::cursor)
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(await(messages.readInbox("bob", 4, 4))).extracting(InboxEntry::cursor)
                .containsExactly(5L, 6L, 7L, 8L);
        assertThat(await(messages.readInbox("bob", 8, 4))).extracting(InboxEntry::cursor).containsExactly(9L, 10L);
        assertThat(await(messages.readInbox("bob", 10, 4))).isEmpty();
        InboxEntry entry = await(messages.readInbox("bob", 4, 1)).get(0);
        assertThat(entry.event()).isInstanceOfSatisfying(InboxEvent.MessageAdded.class, m -> {
            assertThat(m.message().seq()).isEqualTo(4);
            assertThat(m.message().body()).isEqualTo("body of c-4");
            assertThat(m.message().senderId()).isEqualTo("alice");
            assertThat(m.message().contentType()).isEqualTo("text/plain");
        });
    }

    @Test
    void deviceCursorIsNeverLowered() {
        assertThat(await(messages.deviceCursor("alice", "phone"))).isZero();
        await(messages.saveDeviceCursor("alice", "phone", 5));
        await(messages.saveDeviceCursor("alice", "phone", 3));
        assertThat(await(messages.deviceCursor("alice", "phone"))).isEqualTo(5);
        await(messages.saveDeviceCursor("alice", "phone", 8));
        assertThat(await(messages.deviceCursor("alice", "phone"))).isEqualTo(8);
        assertThat(await(messages.deviceCursor("alice", "laptop"))).isZero();
        assertThat(await(messages.deviceCursor("bob", "phone"))).isZero();
    }

    @Test
    void pruneDeletesOldEntriesAndCursorsContinue() {
        create("g:old", "alice", "bob");
        send("g:old", "alice", "c-1");
        send("g:old", "bob", "c-2");
        clock.set(T0.plus(Duration.ofHours(2)));
        AppendResult recent = send("g:old", "alice", "c-3");

        long deleted = await(messages.pruneInboxes(T0.plus(Duration.ofHours(1))));

        assertThat(deleted).isEqualTo(6); // created + 2 messages, in two inboxes
        assertThat(inbox("alice")).containsExactly(recent.inboxEntries().get("alice"));
        assertThat(await(messages.readInbox("bob", 1, 10))).containsExactly(recent.inboxEntries().get("bob"));
        assertThat(await(messages.inboxHead("alice"))).isEqualTo(4);
        assertThat(send("g:old", "bob", "c-4").inboxEntries().get("alice").cursor()).isEqualTo(5);
        assertThat(await(messages.pruneInboxes(T0.plus(Duration.ofHours(1))))).isZero();
        // The log itself is not pruned.
        assertThat(history("g:old", Direction.AFTER, 0, false, 10)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void pruningAWholeInboxKeepsItsHead() {
        create("g:all", "alice", "bob");
        send("g:all", "alice", "c-1");
        clock.set(T0.plus(Duration.ofDays(40)));

        assertThat(await(messages.pruneInboxes(T0.plus(Duration.ofDays(30))))).isEqualTo(4);

        assertThat(inbox("alice")).isEmpty();
        assertThat(await(messages.inboxHead("alice"))).isEqualTo(2);
        AppendResult next = send("g:all", "bob", "c-2");
        assertThat(next.inboxEntries().get("alice").cursor()).isEqualTo(3);
        assertThat(inbox("alice")).extracting(InboxEntry::cursor).containsExactly(3L);
    }

    // ---- history

    @Test
    void historyPagesBySequence() {
        create("g:hist", "alice", "bob");
        for (int i = 1; i <= 25; i++) {
            send("g:hist", i % 2 == 0 ? "alice" : "bob", "c-" + i);
        }
        assertThat(seqs(await(messages.history("g:hist", HistoryQuery.latest(10))))).isEqualTo(range(16, 25));
        assertThat(history("g:hist", Direction.BEFORE, 16, false, 10)).isEqualTo(range(6, 15));
        assertThat(history("g:hist", Direction.BEFORE, 6, false, 10)).isEqualTo(range(1, 5));
        assertThat(history("g:hist", Direction.BEFORE, 1, false, 10)).isEmpty();
        assertThat(history("g:hist", Direction.AFTER, 0, false, 10)).isEqualTo(range(1, 10));
        assertThat(history("g:hist", Direction.AFTER, 20, false, 10)).isEqualTo(range(21, 25));
        assertThat(history("g:hist", Direction.AFTER, 25, false, 10)).isEmpty();
        assertThat(history("g:hist", Direction.BEFORE, Long.MAX_VALUE, false, 100)).isEqualTo(range(1, 25));
        StoredMessage seven = await(messages.history("g:hist", new HistoryQuery(Direction.AFTER, 6, false, 1))).get(0);
        assertThat(seven.clientMsgId()).isEqualTo("c-7");
        assertThat(seven.senderId()).isEqualTo("bob");
    }

    @Test
    void historyPagesByTimestamp() {
        create("g:ts", "alice", "bob");
        for (int i = 1; i <= 10; i++) {
            clock.set(T0.plusSeconds(i));
            send("g:ts", "alice", "c-" + i);
        }
        clock.set(T0.plusSeconds(20));
        send("g:ts", "alice", "c-11");
        send("g:ts", "bob", "c-12");
        long t0 = T0.toEpochMilli();

        assertThat(history("g:ts", Direction.BEFORE, t0 + 5_000, true, 3)).containsExactly(2L, 3L, 4L);
        assertThat(history("g:ts", Direction.AFTER, t0 + 5_000, true, 3)).containsExactly(6L, 7L, 8L);
        assertThat(history("g:ts", Direction.AFTER, t0 + 9_500, true, 3)).containsExactly(10L, 11L, 12L);
        assertThat(history("g:ts", Direction.BEFORE, t0 + 1_000, true, 3)).isEmpty();
        assertThat(history("g:ts", Direction.BEFORE, t0 + 20_000, true, 2)).containsExactly(9L, 10L);
        assertThat(history("g:ts", Direction.AFTER, t0 + 19_000, true, 5)).containsExactly(11L, 12L);
        assertThat(history("g:ts", Direction.AFTER, t0 + 20_000, true, 5)).isEmpty();
        assertThat(history("g:ts", Direction.BEFORE, Long.MAX_VALUE, true, 2)).containsExactly(11L, 12L);
    }

    @Test
    void historyOfAnEmptyOrMissingConversationIsEmpty() {
        create("g:quiet", "alice", "bob");
        assertThat(await(messages.history("g:quiet", HistoryQuery.latest(10)))).isEmpty();
        assertThat(await(messages.history("g:none", HistoryQuery.latest(10)))).isEmpty();
        assertThat(await(messages.history("g:none", new HistoryQuery(Direction.AFTER, 0, true, 10)))).isEmpty();
        assertThat(await(messages.lastSeq("g:none"))).isZero();
    }

    // ---- receipts

    @Test
    void watermarkIsCappedAtTheLastSequence() {
        create("g:cap", "alice", "bob");
        assertThat(await(messages.advanceWatermark("g:cap", "bob", ReceiptKind.DELIVERED, 10))).isEmpty();
        send("g:cap", "alice", "c-1");
        send("g:cap", "alice", "c-2");

        Map<String, InboxEntry> entries = await(messages.advanceWatermark("g:cap", "bob", ReceiptKind.DELIVERED, 99));

        assertThat(entries).containsOnlyKeys("alice");
        assertThat(entries.get("alice").event())
                .isEqualTo(new InboxEvent.ReceiptAdvanced("g:cap", "bob", ReceiptKind.DELIVERED, 2));
        assertThat(await(messages.watermarks("g:cap"))).containsEntry("bob", new Watermarks(2, 0));
    }

    @Test
    void watermarkNeverMovesBack() {
        create("g:mono", "alice", "bob");
        for (int i = 1; i <= 5; i++) {
            send("g:mono", "alice", "c-" + i);
        }
        await(messages.advanceWatermark("g:mono", "bob", ReceiptKind.READ, 4));
        long head = await(messages.inboxHead("alice"));

        assertThat(await(messages.advanceWatermark("g:mono", "bob", ReceiptKind.READ, 2))).isEmpty();
        assertThat(await(messages.advanceWatermark("g:mono", "bob", ReceiptKind.DELIVERED, 3))).isEmpty();
        assertThat(await(messages.advanceWatermark("g:mono", "bob", ReceiptKind.READ, 4))).isEmpty();
        assertThat(await(messages.watermarks("g:mono"))).containsEntry("bob", new Watermarks(4, 4));
        assertThat(await(messages.inboxHead("alice"))).isEqualTo(head);
    }

    @Test
    void readRaisesDeliveredButDeliveredDoesNotRaiseRead() {
        create("g:rd", "alice", "bob");
        for (int i = 1; i <= 5; i++) {
            send("g:rd", "alice", "c-" + i);
        }
        await(messages.advanceWatermark("g:rd", "bob", ReceiptKind.DELIVERED, 2));
        assertThat(await(messages.watermarks("g:rd"))).containsEntry("bob", new Watermarks(2, 0));
        await(messages.advanceWatermark("g:rd", "bob", ReceiptKind.READ, 4));
        assertThat(await(messages.watermarks("g:rd"))).containsEntry("bob", new Watermarks(4, 4));
        await(messages.advanceWatermark("g:rd", "bob", ReceiptKind.DELIVERED, 5));
        assertThat(await(messages.watermarks("g:rd"))).containsEntry("bob", new Watermarks(5, 4));
    }

    @Test
    void acknowledgeRaisesTheWatermarksAndTheCursor() {
        create("g:ack1", "alice", "bob");
        create("g:ack2", "carol", "bob");
        send("g:ack1", "alice", "a-1");
        send("g:ack1", "alice", "a-2");
        send("g:ack2", "carol", "c-1");

        List<InboxEntry> entries = await(messages.acknowledge("bob", "phone",
                Map.of("g:ack1", 2L, "g:ack2", 1L, "g:nowhere", 4L), 5));

        assertThat(entries).extracting(InboxEntry::userId).containsExactlyInAnyOrder("alice", "carol");
        assertThat(entries).extracting(InboxEntry::event).containsExactlyInAnyOrder(
                new InboxEvent.ReceiptAdvanced("g:ack1", "bob", ReceiptKind.DELIVERED, 2),
                new InboxEvent.ReceiptAdvanced("g:ack2", "bob", ReceiptKind.DELIVERED, 1));
        for (InboxEntry e : entries) {
            assertThat(inbox(e.userId())).last().isEqualTo(e);
        }
        assertThat(await(messages.watermarks("g:ack1"))).containsEntry("bob", new Watermarks(2, 0));
        assertThat(await(messages.watermarks("g:ack2"))).containsEntry("bob", new Watermarks(1, 0));
        assertThat(await(messages.deviceCursor("bob", "phone"))).isEqualTo(5);

        // Again, or older: nothing rises, nothing is written, the cursor stays.
        long aliceHead = await(messages.inboxHead("alice"));
        assertThat(await(messages.acknowledge("bob", "phone", Map.of("g:ack1", 1L), 3))).isEmpty();
        assertThat(await(messages.deviceCursor("bob", "phone"))).isEqualTo(5);
        assertThat(await(messages.inboxHead("alice"))).isEqualTo(aliceHead);
        // Only the cursor: entries that were no messages of others.
        assertThat(await(messages.acknowledge("bob", "phone", Map.of(), 6))).isEmpty();
        assertThat(await(messages.deviceCursor("bob", "phone"))).isEqualTo(6);
    }

    @Test
    void receiptEntriesGoToTheSendersOfTheNewlyCoveredRange() {
        create("g:rcpt", "alice", "bob", "carol", "dave");
        send("g:rcpt", "alice", "a-1"); // 1
        send("g:rcpt", "alice", "a-2"); // 2
        send("g:rcpt", "bob", "b-1"); // 3

        Map<String, InboxEntry> delivered = await(messages.advanceWatermark("g:rcpt", "carol",
                ReceiptKind.DELIVERED, 3));
        assertThat(delivered).containsOnlyKeys("alice", "bob");
        assertThat(delivered.values()).extracting(InboxEntry::event).containsOnly(
                new InboxEvent.ReceiptAdvanced("g:rcpt", "carol", ReceiptKind.DELIVERED, 3));

        Map<String, InboxEntry> readOne = await(messages.advanceWatermark("g:rcpt", "carol", ReceiptKind.READ, 1));
        assertThat(readOne).containsOnlyKeys("alice", "carol");

        Map<String, InboxEntry> readRest = await(messages.advanceWatermark("g:rcpt", "carol", ReceiptKind.READ, 3));
        assertThat(readRest).containsOnlyKeys("alice", "bob", "carol");
        assertThat(readRest.get("carol").event())
                .isEqualTo(new InboxEvent.ReceiptAdvanced("g:rcpt", "carol", ReceiptKind.READ, 3));

        // bob's own message is in (0, 3] but bob is not told about his own reading.
        Map<String, InboxEntry> bobRead = await(messages.advanceWatermark("g:rcpt", "bob", ReceiptKind.READ, 3));
        assertThat(bobRead).containsOnlyKeys("alice", "bob");

        // Entries returned are the entries written, at the head of each inbox.
        for (Map.Entry<String, InboxEntry> e : bobRead.entrySet()) {
            assertThat(inbox(e.getKey())).last().isEqualTo(e.getValue());
        }
        // dave sent nothing and read nothing: no receipt entries at all.
        assertThat(inbox("dave")).extracting(InboxEntry::event)
                .noneMatch(ev -> ev instanceof InboxEvent.ReceiptAdvanced);
    }

    @Test
    void watermarksListEveryMember() {
        create("g:marks", "alice", "bob", "carol");
        send("g:marks", "alice", "a-1");
        await(messages.advanceWatermark("g:marks", "bob", ReceiptKind.READ, 1));

        Map<String, Watermarks> marks = await(messages.watermarks("g:marks"));

        assertThat(marks).containsOnlyKeys("alice", "bob", "carol");
        assertThat(marks.get("bob")).isEqualTo(new Watermarks(1, 1));
        assertThat(marks.get("alice")).isEqualTo(Watermarks.NONE);
        assertThat(marks.get("carol")).isEqualTo(Watermarks.NONE);
    }

    @Test
    void watermarkOfANonMemberOrMissingConversationChangesNothing() {
        create("g:private", "alice", "bob");
        send("g:private", "alice", "a-1");
        assertThat(await(messages.advanceWatermark("g:private", "mallory", ReceiptKind.READ, 1))).isEmpty();
        assertThat(await(messages.advanceWatermark("g:missing", "alice", ReceiptKind.DELIVERED, 1))).isEmpty();
        assertThat(await(messages.watermarks("g:private"))).doesNotContainKey("mallory");
        assertThat(await(messages.watermarks("g:missing"))).isEmpty();
        assertThat(inbox("alice")).hasSize(2);
        assertThat(await(messages.inboxHead("mallory"))).isZero();
    }
}
