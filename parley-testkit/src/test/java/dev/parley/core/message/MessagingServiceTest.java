package dev.parley.core.message;

import dev.parley.core.delivery.Views;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.RecordingRouter;
import dev.parley.core.ServiceFixture;
import dev.parley.core.account.Device;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.push.PushNotification;
import dev.parley.core.push.PushResult;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushSettings;
import dev.parley.core.push.PushTarget;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sending, history, receipts and typing, on the in-memory stores. */
class MessagingServiceTest {
    private static final Device ALICE_PHONE = device("alice", "alice-phone");
    private static final Device ALICE_LAPTOP = device("alice", "alice-laptop");
    private static final Device BOB_PHONE = device("bob", "bob-phone");
    private static final Device MALLORY_PHONE = device("mallory", "mallory-phone");

    private final ServiceFixture f = new ServiceFixture();
    private final MessagingService messaging = f.messaging;
    private final String conv;

    MessagingServiceTest() {
        f.users("alice", "bob", "carol", "mallory");
        f.openToGroups("alice", "bob", "carol", "mallory");
        conv = await(f.conversations.createGroup("alice", "trio", List.of("bob", "carol"))).id();
        f.router.clear();
    }

    @AfterEach
    void close() {
        f.close();
    }

    private static Device device(String user, String id) {
        return new Device(user, id, id, "hash-" + id, ServiceFixture.T0, null, null);
    }

    // The service's calls, in one place each.

    private CompletionStage<ServerFrame.Sent> sending(Device from, String conversationId, String clientMsgId,
                                                      String body) {
        return messaging.send(new NewMessage(conversationId, from.userId(), from.deviceId(), clientMsgId, body,
                "text/plain")).thenApply(r -> Views.sent("r-" + clientMsgId, r));
    }

    private ServerFrame.Sent send(Device from, String clientMsgId) {
        return await(sending(from, conv, clientMsgId, "body of " + clientMsgId));
    }

    private CompletionStage<ServerFrame.HistoryPage> paging(String user, Long beforeSeq, Long afterSeq,
                                                            Integer limit) {
        return messaging.history(user, conv, HistoryQuery.page(beforeSeq, afterSeq, null, null, limit))
                .thenApply(page -> Views.historyPage("h", page));
    }

    private ServerFrame.HistoryPage history(Long beforeSeq, Long afterSeq, Integer limit) {
        return await(paging("bob", beforeSeq, afterSeq, limit));
    }

    private static List<Long> seqs(ServerFrame.HistoryPage page) {
        return page.messages().stream().map(ServerFrame.MessageView::seq).toList();
    }

    // ---- sending

    @Test
    void aSentMessageIsStoredAndAnnouncedToEveryMember() {
        ServerFrame.Sent first = send(ALICE_PHONE, "c-1");
        ServerFrame.Sent second = send(BOB_PHONE, "c-2");

        assertThat(first.seq()).isEqualTo(1);
        assertThat(second.seq()).isEqualTo(2);
        assertThat(first.duplicate()).isFalse();
        assertThat(first.conv()).isEqualTo(conv);
        assertThat(first.clientMsgId()).isEqualTo("c-1");
        assertThat(first.id()).isEqualTo("r-c-1");
        assertThat(await(f.store.lastSeq(conv))).isEqualTo(2);
        StoredMessage stored = await(f.store.history(conv, HistoryQuery.latest(1))).get(0);
        assertThat(stored.messageId()).isEqualTo(second.msgId());
        assertThat(stored.senderDeviceId()).isEqualTo("bob-phone");
        assertThat(stored.body()).isEqualTo("body of c-2");
        assertThat(f.router.announced()).extracting(InboxEntry::userId)
                .containsExactly("alice", "bob", "carol", "alice", "bob", "carol");
        assertThat(f.router.announcedTo("carol")).extracting(e -> ((InboxEvent.MessageAdded) e.event()).message().seq())
                .containsExactly(1L, 2L);
    }

    @Test
    void aRetriedSendAnswersWithTheFirstMessageAndAnnouncesNothing() {
        ServerFrame.Sent first = send(ALICE_PHONE, "c-1");
        f.router.clear();

        ServerFrame.Sent retry = await(sending(ALICE_PHONE, conv, "c-1", "another body"));

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.msgId()).isEqualTo(first.msgId());
        assertThat(retry.seq()).isEqualTo(first.seq());
        assertThat(retry.ts()).isEqualTo(first.ts());
        assertThat(await(f.store.lastSeq(conv))).isEqualTo(1);
        assertThat(f.router.announced()).isEmpty();
        // The key is the device: the same client id from alice's laptop is a new message.
        assertThat(await(sending(ALICE_LAPTOP, conv, "c-1", "hi")).duplicate()).isFalse();
        assertThat(await(f.store.lastSeq(conv))).isEqualTo(2);
    }

    @Test
    void aBodyOverTheLimitInUtf8BytesIsRefusedAndNothingIsStored() {
        try (ServiceFixture small = new ServiceFixture(10, 16, 20, 100)) {
            small.users("alice", "bob");
            small.openToGroups("alice", "bob");
            String id = await(small.conversations.createGroup("alice", "g", List.of("bob"))).id();
            MessagingService m = small.messaging;
            NewMessage tenBytes = new NewMessage(id, "alice", ALICE_PHONE.deviceId(), "c-1", "ééééé", null);
            NewMessage twelveBytes = new NewMessage(id, "alice", ALICE_PHONE.deviceId(), "c-2", "éééééé", null);
            NewMessage twoEmoji = new NewMessage(id, "alice", ALICE_PHONE.deviceId(), "c-3", "😀😀", null);
            NewMessage threeEmoji = new NewMessage(id, "alice", ALICE_PHONE.deviceId(), "c-4", "😀😀😀", null);

            assertThat(await(m.send(tenBytes)).message().seq()).isEqualTo(1);
            assertFailsWith(m.send(twelveBytes), ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(await(m.send(twoEmoji)).message().seq()).isEqualTo(2);
            assertFailsWith(m.send(threeEmoji), ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(await(small.store.lastSeq(id))).isEqualTo(2);
        }
    }

    @Test
    void aNonMemberCannotSend() {
        assertFailsWith(sending(MALLORY_PHONE, conv, "m-1", "hi"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertFailsWith(sending(ALICE_PHONE, "g:nowhere", "m-1", "hi"), ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(await(f.store.lastSeq(conv))).isZero();
        assertThat(f.router.announced()).isEmpty();
    }

    @Test
    void aMemberWhoLeftCannotSendAnyMore() {
        send(BOB_PHONE, "b-1");
        await(f.conversations.leave("bob", conv));
        assertFailsWith(sending(BOB_PHONE, conv, "b-2", "still here?"), ErrorCode.CONVERSATION_NOT_FOUND);
        // A retry of what bob sent while a member still answers with that message.
        assertThat(await(sending(BOB_PHONE, conv, "b-1", "again")).duplicate()).isTrue();
    }

    // ---- history

    @Test
    void historyPagesBackAndForthAndSaysWhenThereIsMore() {
        for (int i = 1; i <= 5; i++) {
            send(i % 2 == 0 ? BOB_PHONE : ALICE_PHONE, "c-" + i);
        }
        ServerFrame.HistoryPage newest = history(null, null, 2);
        assertThat(seqs(newest)).containsExactly(4L, 5L);
        assertThat(newest.hasMore()).isTrue();
        assertThat(newest.conv()).isEqualTo(conv);
        assertThat(newest.id()).isEqualTo("h");
        assertThat(newest.messages().get(0).from()).isEqualTo("bob");
        assertThat(newest.messages().get(0).body()).isEqualTo("body of c-4");

        assertThat(seqs(history(4L, null, 2))).containsExactly(2L, 3L);
        ServerFrame.HistoryPage oldest = history(2L, null, 2);
        assertThat(seqs(oldest)).containsExactly(1L);
        assertThat(oldest.hasMore()).isFalse();

        ServerFrame.HistoryPage forward = history(null, 0L, 3);
        assertThat(seqs(forward)).containsExactly(1L, 2L, 3L);
        assertThat(forward.hasMore()).isTrue();
        ServerFrame.HistoryPage rest = history(null, 3L, 3);
        assertThat(seqs(rest)).containsExactly(4L, 5L);
        assertThat(rest.hasMore()).isFalse();
        // Exactly a page's worth left: no next page.
        assertThat(history(null, 2L, 3).hasMore()).isFalse();
    }

    @Test
    void historyWithoutALimitGivesFiftyMessages() {
        for (int i = 1; i <= 60; i++) {
            send(ALICE_PHONE, "c-" + i);
        }
        ServerFrame.HistoryPage page = history(null, null, null);
        assertThat(seqs(page)).hasSize(50).startsWith(11L).endsWith(60L);
        assertThat(page.hasMore()).isTrue();
    }

    @Test
    void aPageStopsAtTheByteBoundKeepingTheMessagesNearestTheAnchor() {
        String big = "x".repeat(60_000);
        for (int i = 1; i <= 6; i++) {
            await(sending(ALICE_PHONE, conv, "big-" + i, big));
        }
        // Four messages of 60 kB fit in 256 KiB, a fifth does not.
        ServerFrame.HistoryPage newest = history(null, null, 10);
        assertThat(seqs(newest)).containsExactly(3L, 4L, 5L, 6L);
        assertThat(newest.hasMore()).as("the rest is on the next page").isTrue();
        assertThat(seqs(history(3L, null, 10))).containsExactly(1L, 2L);

        ServerFrame.HistoryPage forward = history(null, 0L, 10);
        assertThat(seqs(forward)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(forward.hasMore()).isTrue();
        ServerFrame.HistoryPage rest = history(null, 4L, 10);
        assertThat(seqs(rest)).containsExactly(5L, 6L);
        assertThat(rest.hasMore()).isFalse();
    }

    @Test
    void historyIsForMembersOnly() {
        send(ALICE_PHONE, "c-1");
        assertFailsWith(paging("mallory", null, null, 10), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    // ---- receipts

    @Test
    void readingTellsTheSendersAndTheReadersOtherDevices() {
        send(ALICE_PHONE, "a-1");
        send(BOB_PHONE, "b-1");
        send(ALICE_PHONE, "a-2");
        f.router.clear();

        await(messaging.markRead("carol", conv, 3));

        InboxEvent.ReceiptAdvanced read = new InboxEvent.ReceiptAdvanced(conv, "carol", ReceiptKind.READ, 3);
        assertThat(f.router.announced()).extracting(InboxEntry::userId)
                .containsExactlyInAnyOrder("alice", "bob", "carol");
        assertThat(f.router.announced()).extracting(InboxEntry::event).containsOnly(read);
        assertThat(await(f.store.watermarks(conv))).containsEntry("carol", new Watermarks(3, 3));

        f.router.clear();
        await(messaging.markRead("carol", conv, 2));
        assertThat(f.router.announced()).as("a watermark never moves back").isEmpty();
        assertFailsWith(messaging.markRead("mallory", conv, 3), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    @Test
    void anAcknowledgementRaisesDeliveredAndTheCursorAndTellsTheSender() {
        send(ALICE_PHONE, "a-1");
        send(ALICE_PHONE, "a-2");
        f.router.clear();

        await(messaging.acknowledged("bob", "bob-phone", Map.of(conv, 2L), 3));

        assertThat(f.router.announced()).singleElement().satisfies(e -> {
            assertThat(e.userId()).isEqualTo("alice");
            assertThat(e.event()).isEqualTo(new InboxEvent.ReceiptAdvanced(conv, "bob", ReceiptKind.DELIVERED, 2));
        });
        assertThat(await(f.store.deviceCursor("bob", "bob-phone"))).isEqualTo(3);
        assertThat(await(f.store.watermarks(conv))).containsEntry("bob", new Watermarks(2, 0));
    }

    @Test
    void messageInfoGivesEachRecipientsStatusAndTheLowest() {
        long seq = send(ALICE_PHONE, "a-1").seq();
        await(messaging.acknowledged("bob", "bob-phone", Map.of(conv, seq), 2));
        await(messaging.markRead("carol", conv, seq));

        ServerFrame.MessageInfoReply info = await(messaging.messageInfo("alice", conv, seq).thenApply(i -> Views.messageInfo("i", i)));

        assertThat(info.members()).containsExactly(
                new ServerFrame.MemberReceipt("bob", "delivered", 1, 0),
                new ServerFrame.MemberReceipt("carol", "read", 1, 1));
        assertThat(info.aggregate()).isEqualTo("delivered");
        await(messaging.markRead("bob", conv, seq));
        assertThat(await(messaging.messageInfo("alice", conv, seq).thenApply(i -> Views.messageInfo("i", i))).aggregate()).isEqualTo("read");

        assertFailsWith(messaging.messageInfo("alice", conv, 2).thenApply(i -> Views.messageInfo("i", i)), ErrorCode.MESSAGE_NOT_FOUND);
        assertFailsWith(messaging.messageInfo("mallory", conv, seq).thenApply(i -> Views.messageInfo("i", i)), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    // ---- push

    /** Records what it is asked to send; every push is delivered. */
    private static final class RecordingPushSender implements PushSender {
        record Push(PushTarget target, PushNotification notification) {
        }

        final List<Push> pushes = new CopyOnWriteArrayList<>();

        @Override
        public String provider() {
            return "webhook";
        }

        @Override
        public String validateTarget(String target) {
            return target;
        }

        @Override
        public CompletionStage<PushResult> send(PushTarget target, PushNotification notification) {
            pushes.add(new Push(target, notification));
            return CompletableFuture.completedFuture(PushResult.delivered());
        }

        /** How many messages the pushes to the user's devices stood for (pushes coalesce). */
        int messagesPushedTo(String user) {
            return pushes.stream().filter(p -> p.target().userId().equals(user))
                    .mapToInt(p -> p.notification().coalesced()).sum();
        }
    }

    @Test
    void aNewMessageWakesTheOfflineRecipientsOnceAndARetryWakesNobody() {
        RecordingPushSender sender = new RecordingPushSender();
        try (ServiceFixture p = new ServiceFixture(65_536, 16, 20, 100, List.of(sender),
                PushSettings.defaults().withMinInterval(Duration.ZERO))) {
            p.users("alice", "bob", "carol");
            p.openToGroups("alice", "bob", "carol");
            String id = await(p.conversations.createGroup("alice", "g", List.of("bob", "carol"))).id();
            for (Device d : List.of(ALICE_PHONE, BOB_PHONE, device("carol", "carol-phone"))) {
                await(p.accountStore.putDevice(d.withPush("webhook", "https://push.example/" + d.deviceId())));
            }
            await(p.presence.connected("carol", "carol-phone", "s1")); // carol is online: no push for her

            await(p.messaging.send(new NewMessage(id, ALICE_PHONE.userId(), ALICE_PHONE.deviceId(), "a-1", "hi", null)));
            await(p.messaging.send(new NewMessage(id, ALICE_PHONE.userId(), ALICE_PHONE.deviceId(), "a-1", "hi", null)));
            // A later message from carol, whose push to alice marks the end of what the retry could have sent.
            await(p.messaging.send(new NewMessage(id, device("carol", "carol-phone").userId(), device("carol", "carol-phone").deviceId(), "c-1", "yo", null)));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.messagesPushedTo("alice") == 1);

            assertThat(sender.messagesPushedTo("bob")).as("a-1 and c-1, not the retry").isEqualTo(2);
            assertThat(sender.messagesPushedTo("carol")).as("online").isZero();
            assertThat(sender.pushes).extracting(push -> push.target().target())
                    .contains("https://push.example/bob-phone");
        }
    }

    // ---- typing and views

    @Test
    void typingGoesToTheOtherMembersAndIsNotStored() {
        await(messaging.typing("bob", conv, "typing"));

        assertThat(f.router.ephemeral()).extracting(RecordingRouter.Ephemeral::userId)
                .containsExactlyInAnyOrder("alice", "carol");
        assertThat(f.router.ephemeral()).extracting(RecordingRouter.Ephemeral::frame)
                .containsOnly(new ServerFrame.TypingEvent(conv, "bob", "typing"));
        assertThat(await(f.store.inboxHead("alice"))).isEqualTo(1);
        assertFailsWith(messaging.typing("mallory", conv, "typing"), ErrorCode.CONVERSATION_NOT_FOUND);
    }

    @Test
    void aConversationsViewCarriesItsLastSequence() {
        send(ALICE_PHONE, "a-1");
        f.clock.advance(Duration.ofSeconds(1));
        send(BOB_PHONE, "b-1");
        Conversation c = await(f.conversations.requireMember(conv, "alice"));

        ServerFrame.ConversationView view = await(messaging.lastSeq(c.id()).thenApply(last -> Views.conversation(c, last)));

        assertThat(view.conv()).isEqualTo(conv);
        assertThat(view.lastSeq()).isEqualTo(2);
        assertThat(view.members()).containsExactly("alice", "bob", "carol");
    }
}
