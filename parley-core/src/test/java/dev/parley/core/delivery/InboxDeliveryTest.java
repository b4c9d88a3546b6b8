package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.message.InboxEntry;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The inbox delivery's states and the transitions between them, step by step. */
class InboxDeliveryTest {

    @Test
    void aSyncGoesFromIdleThroughRequestedAndCatchingUpToLive() {
        SessionHarness h = new SessionHarness(2, 1_000, 1_000);
        for (int seq = 1; seq <= 3; seq++) {
            h.store.addMessage("bob", "d1", seq, "alice");
        }
        h.store.heldCursor = new CompletableFuture<>();
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.IDLE);

        h.session.onFrame(new ClientFrame.Sync("s", null));
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.SYNC_REQUESTED);

        h.store.heldCursor.complete(0L);
        h.tasks.poll().run(); // the cursor and head arrive: live, and the backlog is read at once
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.CATCHING_UP);

        h.runAll();
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.LIVE);
        assertThat(h.cursorsSent()).containsExactly(1L, 2L, 3L);
        assertThat(h.framesOf(ServerFrame.Synced.class)).containsExactly(new ServerFrame.Synced("s", 0, 3));
    }

    @Test
    void whileLiveTheNextCursorIsSentAtOnceWithoutReadingTheStore() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();
        h.store.calls.clear();

        long cursor = h.store.addMessage("bob", "d1", 1, "alice");
        h.session.notifyEntry(h.store.inbox.get((int) cursor - 1));
        h.runAll();

        assertThat(h.cursorsSent()).containsExactly(1L);
        assertThat(h.store.calls).as("no store read for the next cursor").isEmpty();
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.LIVE);
    }

    @Test
    void aGapMakesTheDeliveryCatchUpFromTheStoreInOrder() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();

        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addMessage("bob", "d1", 2, "alice");
        h.session.notifyEntry(h.store.inbox.get(1)); // cursor 2 announced first: 1 was missed
        h.tasks.poll().run();
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.CATCHING_UP);
        h.runAll();

        assertThat(h.cursorsSent()).containsExactly(1L, 2L);
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.LIVE);
    }

    @Test
    void aCongestedTransportHoldsEntriesUntilItIsWritableAgain() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();

        h.writable = false;
        h.store.addMessage("bob", "d1", 1, "alice");
        h.session.notifyEntry(h.store.inbox.get(0));
        h.runAll();
        assertThat(h.cursorsSent()).isEmpty();
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.LIVE);

        h.writable = true;
        h.session.onWritable();
        h.runAll();
        assertThat(h.cursorsSent()).containsExactly(1L);
    }

    @Test
    void notificationsBeforeTheSyncDeliverNothingAndTheSyncStillSendsThem() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.session.notifyEntry(h.store.inbox.get(0));
        h.runAll();
        assertThat(h.frames).isEmpty();

        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();
        assertThat(h.cursorsSent()).containsExactly(1L);
    }

    @Test
    void aSecondSyncIsRefusedAndChangesNothing() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();

        h.session.onFrame(new ClientFrame.Sync("again", null));
        h.runAll();

        assertThat(h.last()).isInstanceOfSatisfying(ServerFrame.Error.class, e -> {
            assertThat(e.id()).isEqualTo("again");
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD.name());
        });
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.LIVE);
    }

    @Test
    void aSyncBeyondTheHeadFailsBackToIdleAndMayBeAskedAgain() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.session.onFrame(new ClientFrame.Sync("bad", 5L));
        h.runAll();
        assertThat(h.last()).isInstanceOfSatisfying(ServerFrame.Error.class,
                e -> assertThat(e.id()).isEqualTo("bad"));
        assertThat(h.session.inboxState()).isEqualTo(InboxDelivery.State.IDLE);

        h.session.onFrame(new ClientFrame.Sync("good", 0L));
        h.runAll();
        assertThat(h.cursorsSent()).containsExactly(1L);
        assertThat(h.framesOf(ServerFrame.Synced.class)).containsExactly(new ServerFrame.Synced("good", 0, 1));
    }

    @Test
    void aHeartbeatFindsEntriesWhoseNotificationWasLost() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();
        h.store.addMessage("bob", "d1", 1, "alice"); // never announced

        h.session.onFrame(new ClientFrame.Ping("p"));
        h.runAll();

        assertThat(h.framesOf(ServerFrame.Pong.class)).hasSize(1);
        assertThat(h.cursorsSent()).containsExactly(1L);
    }

    @Test
    void receiptsAndMessagesAreDeliveredAlikeInCursorOrder() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addReceipt("bob", "d1", 1);
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();
        List<InboxEntry> inbox = h.store.inbox;
        assertThat(h.frames.subList(0, 2)).containsExactly(Views.inboxFrame(inbox.get(0)), Views.inboxFrame(inbox.get(1)));
    }
}
