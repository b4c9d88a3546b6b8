package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import dev.parley.protocol.ServerFrame.Sent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private static final long REPLY_TIMEOUT_MS = 10_000;
    private final ManualClock clock = new ManualClock();
    private final FakeTransport transport = new FakeTransport();
    private final PendingRequests requests = new PendingRequests(clock, new Callbacks(Runnable::run), REPLY_TIMEOUT_MS);
    private Outbox outbox = outbox(10, 300_000);

    private Outbox outbox(int maxAttempts, long maxTimeMillis) {
        return new Outbox("test", transport, requests, clock, new Callbacks(Runnable::run),
                new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10)), () -> 0.0,
                REPLY_TIMEOUT_MS, maxAttempts, maxTimeMillis);
    }

    private static final class FakeTransport implements Outbox.Transport {
        boolean up;
        final List<ClientFrame.Send> sent = new ArrayList<>();

        @Override
        public boolean isUp() {
            return up;
        }

        @Override
        public void send(ClientFrame frame) {
            sent.add((ClientFrame.Send) frame);
        }

        @Override
        public String lastProblem() {
            return "closed by server (1001)";
        }

        List<String> clientMsgIds() {
            return sent.stream().map(ClientFrame.Send::clientMsgId).toList();
        }

        ClientFrame.Send last() {
            return sent.get(sent.size() - 1);
        }
    }

    private CompletableFuture<Sent> add(String cmid) {
        CompletableFuture<Sent> f = new CompletableFuture<>();
        outbox.add("c", "body of " + cmid, null, cmid, f);
        return f;
    }

    private static Sent sent(ClientFrame.Send s, long seq) {
        return new Sent(s.id(), s.conv(), s.clientMsgId(), "m" + seq, seq, 0, false);
    }

    private static ParleyClientException failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        return ParleyClientException.unwrap(f.handle((v, e) -> e).join());
    }

    // client message ids whose hash order differs from the order they are sent in

    @Test
    void sendsMadeWhileDisconnectedGoOutInOrderOnceConnected() {
        add("zulu");
        add("alpha");
        add("mike");
        assertThat(transport.sent).isEmpty();

        transport.up = true;
        outbox.connected();

        assertThat(transport.clientMsgIds()).containsExactly("zulu", "alpha", "mike");
        assertThat(transport.sent).extracting(ClientFrame.Send::id).doesNotHaveDuplicates();
    }

    @Test
    void sendsOnTheWireWhenTheConnectionDropsGoOutAgainInOrderWithTheirClientMsgIds() {
        transport.up = true;
        CompletableFuture<Sent> zulu = add("zulu");
        CompletableFuture<Sent> alpha = add("alpha");
        CompletableFuture<Sent> mike = add("mike");
        CompletableFuture<Sent> kilo = add("kilo");
        String refused = transport.sent.get(3).id();
        outbox.error(refused, new ServerFrame.Error(refused, "FORBIDDEN", "no", false, null));
        List<String> firstIds = transport.sent.stream().map(ClientFrame.Send::id).toList();

        transport.up = false;
        outbox.connectionLost();
        add("echo");
        transport.up = true;
        outbox.connected();

        assertThat(transport.clientMsgIds()).containsExactly("zulu", "alpha", "mike", "kilo", "zulu", "alpha", "mike", "echo");
        assertThat(transport.sent.subList(4, 8)).extracting(ClientFrame.Send::id).doesNotContainAnyElementsOf(firstIds);
        assertThat(kilo).isCompletedExceptionally();
        // the server stored "zulu" before the drop: its reply on the new connection is a duplicate
        outbox.sent(new Sent(transport.sent.get(4).id(), "c", "zulu", "m1", 1, 0, true));
        assertThat(zulu.join().duplicate()).isTrue();
        assertThat(alpha).isNotDone();
        assertThat(mike).isNotDone();
    }

    @Test
    void aReplyToTheOldRequestIdIsMatchedByClientMsgIdAndCompletesOnce() {
        transport.up = true;
        CompletableFuture<Sent> a = add("a");
        ClientFrame.Send first = transport.last();
        outbox.connectionLost();
        outbox.connected();

        outbox.sent(sent(first, 1));
        outbox.sent(sent(transport.last(), 1));

        assertThat(a.join().seq()).isEqualTo(1);
        assertThat(outbox.size()).isZero();
        assertThat(clock.pendingTasks()).as("timeout and deadline cancelled").isZero();
    }

    @Test
    void aSecondSendWithThePendingClientMsgIdJoinsTheFirst() {
        transport.up = true;
        CompletableFuture<Sent> first = add("a");
        CompletableFuture<Sent> second = add("a");
        assertThat(transport.sent).hasSize(1);

        outbox.sent(sent(transport.last(), 4));

        assertThat(first.join().seq()).isEqualTo(4);
        assertThat(second.join().seq()).isEqualTo(4);
    }

    @Test
    void aReplyTimeoutIsRetriedAfterTheBackoff() {
        transport.up = true;
        CompletableFuture<Sent> a = add("a");
        clock.advanceMillis(REPLY_TIMEOUT_MS);
        assertThat(transport.sent).hasSize(1);

        clock.advanceMillis(199);
        assertThat(transport.sent).hasSize(1);
        clock.advanceMillis(1);
        assertThat(transport.clientMsgIds()).containsExactly("a", "a");
        assertThat(a).isNotDone();
    }

    @Test
    void aRateLimitedSendWaitsForTheServersHint() {
        transport.up = true;
        add("a");
        String id = transport.last().id();
        outbox.error(id, new ServerFrame.Error(id, "RATE_LIMITED", "slow down", true, 800L));

        clock.advanceMillis(799);
        assertThat(transport.sent).hasSize(1);
        clock.advanceMillis(1);
        assertThat(transport.sent).hasSize(2);
    }

    @Test
    void aRetryDueWhileDisconnectedWaitsForTheNextConnection() {
        transport.up = true;
        add("a");
        String id = transport.last().id();
        outbox.error(id, new ServerFrame.Error(id, "UNAVAILABLE", "busy", true, null));
        transport.up = false;
        outbox.connectionLost();
        clock.advanceMillis(200);
        assertThat(transport.sent).hasSize(1);

        transport.up = true;
        outbox.connected();
        assertThat(transport.clientMsgIds()).containsExactly("a", "a");
    }

    @Test
    void aFatalErrorFailsAtOnce() {
        transport.up = true;
        CompletableFuture<Sent> a = add("a");
        String id = transport.last().id();
        assertThat(outbox.owns(id)).isTrue();

        outbox.error(id, new ServerFrame.Error(id, "CONVERSATION_NOT_FOUND", "no such conversation", false, null));

        assertThat(failure(a).code()).isEqualTo("CONVERSATION_NOT_FOUND");
        assertThat(outbox.owns(id)).isFalse();
        clock.advanceMillis(60_000);
        assertThat(transport.sent).hasSize(1);
    }

    @Test
    void retriesStopAfterTheConfiguredAttempts() {
        outbox = outbox(2, 300_000);
        transport.up = true;
        CompletableFuture<Sent> a = add("a");
        for (int attempt = 0; attempt < 2; attempt++) {
            String id = transport.last().id();
            outbox.error(id, new ServerFrame.Error(id, "UNAVAILABLE", "busy", true, null));
            clock.advanceMillis(10_000);
        }
        assertThat(transport.sent).hasSize(2);
        assertThat(failure(a).code()).isEqualTo("UNAVAILABLE");
    }

    @Test
    void theDeadlineFailsASendThatNeverGotThrough() {
        outbox = outbox(10, 60_000);
        CompletableFuture<Sent> a = add("a");
        clock.advanceMillis(59_999);
        assertThat(a).isNotDone();
        clock.advanceMillis(1);

        ParleyClientException e = failure(a);
        assertThat(e.code()).isEqualTo(ParleyClientException.TIMEOUT);
        assertThat(e.getMessage()).contains("60000 ms", "closed by server (1001)", "same clientMsgId");
        assertThat(outbox.size()).isZero();
    }

    @Test
    void closingFailsEverySend() {
        CompletableFuture<Sent> a = add("a");
        transport.up = true;
        CompletableFuture<Sent> b = add("b");
        ParleyClientException closed = ParleyClientException.local(ParleyClientException.CLOSED, "closed", false);

        outbox.failAll(closed);

        assertThat(failure(a)).isSameAs(closed);
        assertThat(failure(b)).isSameAs(closed);
        assertThat(clock.pendingTasks()).isZero();
    }
}
