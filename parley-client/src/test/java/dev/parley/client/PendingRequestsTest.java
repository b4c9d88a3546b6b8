package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {
    private final ManualClock clock = new ManualClock();
    private final PendingRequests requests = new PendingRequests(clock, new Callbacks(Runnable::run), 10_000);

    private static ParleyClientException failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        return ParleyClientException.unwrap(f.handle((v, e) -> e).join());
    }

    @Test
    void idsAreUniqueAcrossTheClient() {
        assertThat(List.of(requests.nextId(), requests.nextId(), requests.nextId())).containsExactly("1", "2", "3");
        for (int i = 4; i < 36; i++) {
            requests.nextId();
        }
        assertThat(requests.nextId()).isEqualTo("10"); // base 36
    }

    @Test
    void aReplyCompletesItsRequestWithTheMappedValue() {
        CompletableFuture<String> f = new CompletableFuture<>();
        requests.await("7", f, Replies.expect(ServerFrame.Pong.class, ServerFrame.Pong::id), false);

        assertThat(requests.complete("8", new ServerFrame.Pong("8", 0))).isFalse();
        assertThat(f).isNotDone();
        assertThat(requests.complete("7", new ServerFrame.Pong("7", 0))).isTrue();
        assertThat(f).isCompletedWithValue("7");
        assertThat(requests.size()).isZero();
        assertThat(clock.pendingTasks()).as("the timeout is cancelled").isZero();
    }

    @Test
    void anUnansweredRequestTimesOutAfterTheRequestTimeoutAndNotBefore() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        requests.await("1", f, Replies.done(), false);

        clock.advanceMillis(9_999);
        assertThat(f).isNotDone();
        clock.advanceMillis(1);

        ParleyClientException e = failure(f);
        assertThat(e.code()).isEqualTo(ParleyClientException.TIMEOUT);
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("no reply within 10000 ms");
        // a late reply finds nothing to complete
        assertThat(requests.complete("1", new ServerFrame.Ok("1"))).isFalse();
    }

    @Test
    void anErrorReplyFailsWithTheServersCodeAndAWrongReplyWithProtocol() {
        CompletableFuture<Void> refused = new CompletableFuture<>();
        CompletableFuture<Void> confused = new CompletableFuture<>();
        requests.await("1", refused, Replies.done(), false);
        requests.await("2", confused, Replies.done(), false);

        requests.complete("1", new ServerFrame.Error("1", "FORBIDDEN", "admins only", false, null));
        requests.complete("2", new ServerFrame.Pong("2", 0));

        assertThat(failure(refused).code()).isEqualTo("FORBIDDEN");
        assertThat(failure(confused).code()).isEqualTo(ParleyClientException.PROTOCOL);
    }

    @Test
    void aLostConnectionFailsEveryRequestAndCancelsTheirTimeouts() {
        CompletableFuture<Void> a = new CompletableFuture<>();
        CompletableFuture<Void> b = new CompletableFuture<>();
        requests.await("1", a, Replies.done(), false);
        requests.awaitWithoutTimeout("2", b, Replies.done());
        ParleyClientException lost = ParleyClientException.local(ParleyClientException.NOT_CONNECTED, "gone", true);

        requests.failAll(lost);

        assertThat(failure(a)).isSameAs(lost);
        assertThat(failure(b)).isSameAs(lost);
        assertThat(requests.size()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aRequestWithoutTimeoutWaitsForItsReply() {
        CompletableFuture<ServerFrame.Synced> sync = new CompletableFuture<>();
        requests.awaitWithoutTimeout("1", sync, Replies.expect(ServerFrame.Synced.class, r -> r));
        clock.advanceMillis(3_600_000);
        assertThat(sync).isNotDone();
        requests.complete("1", new ServerFrame.Synced("1", 0, 5));
        assertThat(sync.join().head()).isEqualTo(5);
    }

    @Test
    void aPongCancelsTheSilenceCheckAndAMissingOneRunsIt() {
        List<String> silent = new ArrayList<>();
        requests.awaitPong("1", 300, () -> silent.add("1"));
        requests.awaitPong("2", 300, () -> silent.add("2"));
        requests.complete("1", new ServerFrame.Pong("1", 0));

        clock.advanceMillis(299);
        assertThat(silent).isEmpty();
        clock.advanceMillis(1);
        assertThat(silent).containsExactly("2");
        assertThat(requests.size()).as("the unanswered ping is forgotten").isZero();
    }
}
