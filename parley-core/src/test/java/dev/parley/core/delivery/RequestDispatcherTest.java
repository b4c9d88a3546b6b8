package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames to service calls and results to frames: the mapping at the protocol edge. */
class RequestDispatcherTest {

    @Test
    void aSendIsStoredPublishedPushedAndAnsweredWithSentEchoingTheId() {
        SessionHarness h = new SessionHarness();

        h.session.onFrame(new ClientFrame.Send("r1", "d1", "c-1", "hi", null));
        h.runAll();

        assertThat(h.frames).containsExactly(new ServerFrame.Sent("r1", "d1", "c-1", "m1", 1, h.store.log.get(0)
                .timestamp().toEpochMilli(), false));
        assertThat(h.published).hasSize(1);
        assertThat(h.pushed).hasSize(1);
    }

    @Test
    void aRetriedSendAnswersWithTheFirstMessageAndPublishesNothing() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Send("r1", "d1", "c-1", "hi", null));
        h.session.onFrame(new ClientFrame.Send("r2", "d1", "c-1", "hi", null));
        h.runAll();

        assertThat(h.framesOf(ServerFrame.Sent.class)).extracting(ServerFrame.Sent::id, ServerFrame.Sent::seq,
                ServerFrame.Sent::duplicate).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("r1", 1L, false),
                        org.assertj.core.groups.Tuple.tuple("r2", 1L, true));
        assertThat(h.published).hasSize(1);
        assertThat(h.pushed).hasSize(1);
    }

    @Test
    void aServiceFailureBecomesAnErrorFrameWithTheRequestsIdAndIsCounted() {
        SessionHarness h = new SessionHarness();

        h.session.onFrame(new ClientFrame.Send("big", "d1", "c-1", "x".repeat(17), null)); // limit: 16 bytes
        h.session.onFrame(new ClientFrame.Read("foreign", "nobody-here", 1L));
        h.runAll();

        assertThat(h.frames).extracting(f -> ((ServerFrame.Error) f).id(), f -> ((ServerFrame.Error) f).code())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("big", "MESSAGE_TOO_LARGE"),
                        org.assertj.core.groups.Tuple.tuple("foreign", "CONVERSATION_NOT_FOUND"));
        assertThat(h.errorsCounted).containsExactly(ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(h.store.log).isEmpty();
    }

    @Test
    void readAndTypingAreAnsweredOk() {
        SessionHarness h = new SessionHarness();

        h.session.onFrame(new ClientFrame.Read("r", "d1", 3L));
        h.session.onFrame(new ClientFrame.Typing("t", "d1", "typing"));
        h.runAll();

        assertThat(h.frames).containsExactly(new ServerFrame.Ok("r"), new ServerFrame.Ok("t"));
        assertThat(h.store.calls).contains("advanceWatermark READ 3");
        assertThat(h.typed).containsExactly("bob typing in d1 to [alice, carol]");
    }

    @Test
    void historyMapsTheQueryAndThePage() {
        SessionHarness h = new SessionHarness();
        for (int i = 1; i <= 5; i++) {
            h.session.onFrame(new ClientFrame.Send("s" + i, "d1", "c-" + i, "m" + i, null));
        }
        h.runAll();
        h.frames.clear();

        h.session.onFrame(new ClientFrame.History("h1", "d1", null, 1L, null, null, 2));
        h.session.onFrame(new ClientFrame.History("h2", "d1", null, null, null, null, null));
        h.runAll();

        List<ServerFrame.HistoryPage> pages = h.framesOf(ServerFrame.HistoryPage.class);
        assertThat(pages.get(0).id()).isEqualTo("h1");
        assertThat(pages.get(0).messages()).extracting(ServerFrame.MessageView::seq).containsExactly(2L, 3L);
        assertThat(pages.get(0).hasMore()).isTrue();
        assertThat(pages.get(1).id()).isEqualTo("h2");
        assertThat(pages.get(1).messages()).extracting(ServerFrame.MessageView::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(pages.get(1).hasMore()).isFalse();
    }

    @Test
    void messageInfoReportsEachOtherMemberAndTheLowestAsTheAggregate() {
        SessionHarness h = new SessionHarness();
        h.session.onFrame(new ClientFrame.Send("s", "d1", "c-1", "hi", null));
        h.runAll();
        h.frames.clear();
        h.store.watermarks.put("alice", new Watermarks(1, 1));
        h.store.watermarks.put("carol", new Watermarks(1, 0));

        h.session.onFrame(new ClientFrame.MessageInfo("i", "d1", 1L));
        h.runAll();

        assertThat(h.frames).containsExactly(new ServerFrame.MessageInfoReply("i", "d1", 1, List.of(
                new ServerFrame.MemberReceipt("alice", "read", 1, 1),
                new ServerFrame.MemberReceipt("carol", "delivered", 1, 0)), "delivered"));
    }

    @Test
    void aConnectionOverItsRateIsRefusedUntilTheTickerHasRefilledIt() {
        SessionHarness h = new SessionHarness(100, 1, 1);

        h.session.onFrame(new ClientFrame.Ping("p1"));
        h.session.onFrame(new ClientFrame.Ping("p2"));
        h.nanos.addAndGet(1_000_000_000L);
        h.session.onFrame(new ClientFrame.Ping("p3"));
        h.runAll();

        assertThat(h.frames.get(0)).isInstanceOf(ServerFrame.Pong.class);
        assertThat(h.frames.get(1)).isInstanceOfSatisfying(ServerFrame.Error.class, e -> {
            assertThat(e.id()).isEqualTo("p2");
            assertThat(e.code()).isEqualTo("RATE_LIMITED");
        });
        assertThat(h.frames.get(2)).isInstanceOfSatisfying(ServerFrame.Pong.class,
                p -> assertThat(p.id()).isEqualTo("p3"));
    }

    @Test
    void authOnAnOpenSessionIsRefused() {
        SessionHarness h = new SessionHarness();

        h.session.onFrame(new ClientFrame.Auth("a", "token"));
        h.runAll();

        assertThat(h.frames).singleElement().isInstanceOfSatisfying(ServerFrame.Error.class, e -> {
            assertThat(e.id()).isEqualTo("a");
            assertThat(e.code()).isEqualTo("INVALID_FIELD");
        });
    }
}
