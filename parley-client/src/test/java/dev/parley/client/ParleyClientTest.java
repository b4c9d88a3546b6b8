package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SDK against a scripted server: reconnect, resend, dedup, acks. */
class ParleyClientTest {
    /** Generous: the machines that run these tests are sometimes heavily loaded. */
    private static final int WAIT_S = 20;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_S);
    private FakeParleyServer server;
    private ParleyClient client;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> lifecycle = new CopyOnWriteArrayList<>();

    private final ParleyListener recorder = new ParleyListener() {
        @Override
        public void onMessage(ServerFrame.MessageView m, long cursor) {
            seen.add(cursor + ":" + m.body());
        }

        @Override
        public void onConnected() {
            lifecycle.add("connected");
        }

        @Override
        public void onSynced(long head) {
            lifecycle.add("synced " + head);
        }

        @Override
        public void onDisconnected(String reason) {
            lifecycle.add("disconnected");
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = new FakeParleyServer();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private ParleyClient.Builder builder() {
        return ParleyClient.builder(server.baseUri(), FakeParleyServer.TOKEN)
                .listener(recorder)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .requestTimeout(Duration.ofSeconds(10));
    }

    @Test
    void connectDeliversTheBacklogBeforeCompletingAndAcksIt() throws Exception {
        server.publishMessage("d:alice:bob", "bob", "one");
        server.publishMessage("d:alice:bob", "bob", "two");
        CursorStore store = CursorStore.inMemory();
        client = builder().cursorStore(store).build();

        client.connect().get(WAIT_S, TimeUnit.SECONDS);

        assertThat(seen).containsExactly("1:one", "2:two");
        assertThat(lifecycle).containsExactly("connected", "synced 2");
        assertThat(client.user()).isEqualTo("alice");
        assertThat(client.device()).isEqualTo("dev-1");
        assertThat(client.isConnected()).isTrue();
        await().atMost(WAIT).until(() -> server.acked.get() == 2);
        assertThat(store.load()).isEqualTo(2);
        assertThat(client.cursor()).isEqualTo(2);

        server.publishMessage("d:alice:bob", "bob", "three");
        await().atMost(WAIT).until(() -> server.acked.get() == 3);
        assertThat(seen).containsExactly("1:one", "2:two", "3:three");
        // a fresh install (cursor 0) lets the server choose where to start
        assertThat(((ClientFrame.Sync) server.received.get(0)).after()).isNull();
    }

    @Test
    void resumesFromTheSavedCursorAndDropsResentEntries() throws Exception {
        for (int i = 1; i <= 3; i++) {
            server.publishMessage("c", "bob", "m" + i);
        }
        CursorStore store = CursorStore.inMemory();
        store.save(1);
        server.ignoreSyncCursor = true; // the server resends everything after every reconnect
        client = builder().cursorStore(store).build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("2:m2", "3:m3");
        assertThat(((ClientFrame.Sync) server.received.get(0)).after()).isEqualTo(1L);

        server.killConnections();
        await().atMost(WAIT).until(() -> server.connections.get() == 2 && client.isConnected());
        server.publishMessage("c", "bob", "m4");
        await().atMost(WAIT).until(() -> seen.size() == 3);
        assertThat(seen).containsExactly("2:m2", "3:m3", "4:m4");
        assertThat(lifecycle).containsSubsequence("connected", "disconnected", "connected");
    }

    @Test
    void theSavedCursorIsAcknowledgedOnlyOnceTheServerHasReadTheSync() throws Exception {
        for (int i = 1; i <= 3; i++) {
            server.publishMessage("c", "bob", "m" + i);
        }
        CursorStore store = CursorStore.inMemory();
        store.save(2);
        server.syncDelayMs = 200;
        client = builder().cursorStore(store).build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> server.acked.get() == 3);
        assertThat(seen).containsExactly("3:m3");
        assertThat(server.rejectedAcks.get()).isZero();

        // after a reconnect the client re-acknowledges where it is, again only after the sync
        server.killConnections();
        await().atMost(WAIT).until(() -> server.connections.get() == 2 && client.isConnected());
        server.publishMessage("c", "bob", "m4");
        await().atMost(WAIT).until(() -> server.acked.get() == 4);
        assertThat(server.rejectedAcks.get()).isZero();
    }

    @Test
    void aSendWhoseReplyIsLostIsResentWithTheSameIdAndCompletesOnce() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.swallowSendsThenKill.set(1);

        ServerFrame.Sent sent = client.send("d:alice:bob", "hello", null, "cm-1").get(WAIT_S, TimeUnit.SECONDS);

        assertThat(sent.clientMsgId()).isEqualTo("cm-1");
        assertThat(sent.duplicate()).isTrue();
        assertThat(server.received.stream().filter(f -> f instanceof ClientFrame.Send s && s.clientMsgId().equals("cm-1")))
                .hasSize(2);
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void sendsWaitForTheConnection() throws Exception {
        client = builder().build();
        var pending = client.send("c", "early");
        assertThat(pending).isNotDone();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        assertThat(pending.get(WAIT_S, TimeUnit.SECONDS).duplicate()).isFalse();
    }

    @Test
    void retryableSendErrorsAreRetriedAndFatalOnesFail() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.sendErrors.add("RATE_LIMITED");
        server.sendErrors.add("UNAVAILABLE");
        assertThat(client.send("c", "x").get(WAIT_S, TimeUnit.SECONDS).seq()).isPositive();

        server.sendErrors.add("CONVERSATION_NOT_FOUND");
        Throwable t = catchThrowable(() -> client.send("nope", "x").get(WAIT_S, TimeUnit.SECONDS));
        ParleyClientException e = ParleyClientException.unwrap(t);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.CONVERSATION_NOT_FOUND);
        assertThat(e.retryable()).isFalse();
    }

    @Test
    void aRateLimitedSendIsResentNoSoonerThanTheServerSaid() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.sendErrors.add("RATE_LIMITED:800");
        long t0 = System.nanoTime();
        assertThat(client.send("c", "x").get(WAIT_S, TimeUnit.SECONDS).seq()).isPositive();
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the send passed").isGreaterThanOrEqualTo(800);
    }

    @Test
    void sendRetriesAreBounded() throws Exception {
        client = builder().sendRetry(2, Duration.ofSeconds(30)).build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.sendErrors.add("UNAVAILABLE");
        server.sendErrors.add("UNAVAILABLE");
        Throwable t = catchThrowable(() -> client.send("c", "x").get(WAIT_S, TimeUnit.SECONDS));
        assertThat(ParleyClientException.unwrap(t).errorCode()).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    @Test
    void requestsFailFastWhileDisconnected() {
        client = builder().build();
        Throwable t = catchThrowable(() -> client.listConversations().get(WAIT_S, TimeUnit.SECONDS));
        ParleyClientException e = ParleyClientException.unwrap(t);
        assertThat(e.code()).isEqualTo(ParleyClientException.NOT_CONNECTED);
        assertThat(e.retryable()).isTrue();
    }

    @Test
    void invalidArgumentsFailWithoutARoundTrip() {
        client = builder().build();
        Throwable t = catchThrowable(() -> client.markRead("c", 0).get(WAIT_S, TimeUnit.SECONDS));
        assertThat(ParleyClientException.unwrap(t).errorCode()).isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void aRejectedTokenStopsTheClient() {
        client = ParleyClient.builder(server.baseUri(), "bad").reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(50)).build();
        Throwable t = catchThrowable(() -> client.connect().get(WAIT_S, TimeUnit.SECONDS));
        assertThat(ParleyClientException.unwrap(t).errorCode()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(server.connections.get()).isZero();
    }

    @Test
    void unansweredHeartbeatsTriggerAReconnect() throws Exception {
        client = builder().heartbeat(Duration.ofMillis(300)).build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.answerPings = false;
        await().atMost(WAIT).until(() -> server.connections.get() >= 2);
        server.answerPings = true;
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(client.ping().get(WAIT_S, TimeUnit.SECONDS).id()).isNotNull());
    }

    @Test
    void aReconnectRequestFromTheServerIsHonoured() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.broadcast(new ServerFrame.Reconnect("shutting down", 50));
        await().atMost(WAIT).until(() -> server.connections.get() == 2 && client.isConnected());
    }

    @Test
    void closeFailsPendingWorkAndIsIdempotent() throws Exception {
        client = builder().build();
        var pending = client.send("c", "never connected");
        client.close();
        client.close();
        Throwable t = catchThrowable(() -> pending.get(WAIT_S, TimeUnit.SECONDS));
        assertThat(ParleyClientException.unwrap(t).code()).isEqualTo(ParleyClientException.CLOSED);
        Throwable c = catchThrowable(() -> client.connect().get(WAIT_S, TimeUnit.SECONDS));
        assertThat(ParleyClientException.unwrap(c).code()).isEqualTo(ParleyClientException.CLOSED);
    }

    @Test
    void closeAcknowledgesWhatTheListenerHandled() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        server.publishMessage("c", "bob", "last words");
        await().atMost(WAIT).until(() -> seen.size() == 1);
        client.close();
        // the batched ack (normally up to 50 ms later) went out before the socket closed
        await().atMost(WAIT).until(() -> server.acked.get() == 1);
        assertThat(lifecycle).endsWith("disconnected");
    }

    @Test
    void requestRepliesAreMapped() throws Exception {
        client = builder().build();
        client.connect().get(WAIT_S, TimeUnit.SECONDS);
        assertThat(client.openDirect("bob").get(WAIT_S, TimeUnit.SECONDS).conv()).isEqualTo("d:alice:bob");
        client.markRead("d:alice:bob", 3).get(WAIT_S, TimeUnit.SECONDS);
        client.typing("d:alice:bob", true).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(server.received).anySatisfy(f -> assertThat(f).isEqualTo(
                new ClientFrame.Typing(f.id(), "d:alice:bob", "start")));
    }
}
