package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Acknowledgements: one store write per ack, its watermarks batched per conversation. */
class AcknowledgementsTest {

    private static SessionHarness synced(SessionHarness h) {
        h.session.onFrame(new ClientFrame.Sync("s", null));
        h.runAll();
        h.frames.clear();
        return h;
    }

    @Test
    void oneAckRaisesEachConversationToItsHighestMessageOfOthersFromMemory() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addMessage("bob", "d1", 2, "alice");
        h.store.addMessage("bob", "g1", 7, "carol");
        h.store.addMessage("bob", "d1", 3, "bob"); // bob's own: delivers nothing to bob
        h.store.addReceipt("bob", "d1", 2);
        synced(h);
        h.store.calls.clear();

        h.session.onFrame(new ClientFrame.Ack("a", 5L));
        h.runAll();

        assertThat(h.store.acks).containsExactly(new FakeInboxStore.Ack("bob", "b1", Map.of("d1", 2L, "g1", 7L), 5));
        assertThat(h.store.calls).as("answered from what was sent, no read back").isEmpty();
        assertThat(h.frames).containsExactly(new ServerFrame.Ok("a"));
    }

    @Test
    void consecutiveAcksEachCoverOnlyWhatIsNew() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addMessage("bob", "d1", 2, "alice");
        h.store.addMessage("bob", "g1", 1, "carol");
        synced(h);

        h.session.onFrame(new ClientFrame.Ack("a1", 1L));
        h.session.onFrame(new ClientFrame.Ack("a2", 3L));
        h.runAll();

        assertThat(h.store.acks).containsExactly(
                new FakeInboxStore.Ack("bob", "b1", Map.of("d1", 1L), 1),
                new FakeInboxStore.Ack("bob", "b1", Map.of("d1", 2L, "g1", 1L), 3));
    }

    @Test
    void anAckAtOrBelowTheAcknowledgedCursorIsAnsweredWithoutAWrite() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        synced(h);
        h.session.onFrame(new ClientFrame.Ack("a1", 1L));
        h.runAll();

        h.session.onFrame(new ClientFrame.Ack("a2", 1L));
        h.runAll();

        assertThat(h.store.acks).hasSize(1);
        assertThat(h.frames).containsExactly(new ServerFrame.Ok("a1"), new ServerFrame.Ok("a2"));
    }

    @Test
    void anAckBeyondWhatWasSentIsRefused() {
        SessionHarness h = synced(new SessionHarness());

        h.session.onFrame(new ClientFrame.Ack("a", 1L));
        h.runAll();

        assertThat(h.store.acks).isEmpty();
        assertThat(h.last()).isInstanceOfSatisfying(ServerFrame.Error.class, e -> {
            assertThat(e.id()).isEqualTo("a");
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD.name());
        });
        assertThat(h.errorsCounted).containsExactly(ErrorCode.INVALID_FIELD);
    }

    @Test
    void cursorsSentBeforeTheLedgerStartedAreReadBackFromTheStore() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addMessage("bob", "d1", 2, "alice");
        h.store.addMessage("bob", "g1", 4, "carol");
        h.session.onFrame(new ClientFrame.Sync("s", 2L)); // the client says it has 1 and 2 already
        h.runAll();
        h.store.calls.clear();

        h.session.onFrame(new ClientFrame.Ack("a", 3L));
        h.runAll();

        assertThat(h.store.calls).containsExactly("readInbox after 0 limit 2");
        assertThat(h.store.acks).containsExactly(new FakeInboxStore.Ack("bob", "b1", Map.of("d1", 2L, "g1", 4L), 3));
    }

    @Test
    void anAckPipelinedBehindTheSyncWaitsForTheSyncToKnowTheCursor() {
        SessionHarness h = new SessionHarness();
        h.store.addMessage("bob", "d1", 1, "alice");
        h.store.addMessage("bob", "d1", 2, "alice");
        h.store.deviceCursor = 0;
        h.store.heldCursor = new CompletableFuture<>();

        h.session.onFrame(new ClientFrame.Sync("s", 2L));
        h.session.onFrame(new ClientFrame.Ack("a", 2L));
        h.runAll();
        assertThat(h.frames).as("the ack waits while the sync reads").isEmpty();

        h.store.heldCursor.complete(0L);
        h.runAll();
        assertThat(h.frames).contains(new ServerFrame.Ok("a"));
        assertThat(h.store.acks).containsExactly(new FakeInboxStore.Ack("bob", "b1", Map.of("d1", 2L), 2));
    }
}
