package dev.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ParleyException;
import dev.parley.server.ServerMetrics;
import dev.parley.server.ws.WebSocketAuthentication.State;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The authentication state machine alone, on a subclass that records what it asks of the
 * connection (errors, closes, token checks, sessions, dispatched requests): each state, each
 * transition, and what becomes of a message in each state.
 */
class WebSocketAuthenticationTest {
    private static final int MAX_FRAME = 64;
    private static final Device DEVICE = new Device("user_a", "dev_a", "test", "hash", Instant.EPOCH, null, null);

    private final ServerMetrics metrics = ServerMetrics.inMemory();
    private final RecordingConnection auth = new RecordingConnection(new WebSocketSettings(new UnusedGateway(),
            new FrameCodec(), metrics, MAX_FRAME, Duration.ofSeconds(10)));
    private final EmbeddedChannel ch = new EmbeddedChannel(auth);

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        metrics.close();
    }

    @Test
    void aBearerTokenAtTheUpgradeIsCheckedWhileReadingPausesThenTheSessionOpens() {
        assertThat(auth.state).isEqualTo(State.HTTP);
        assertThat(upgrade("/ws", "Bearer good")).isTrue();
        assertThat(auth.state).isEqualTo(State.AUTHENTICATING);
        assertThat(auth.tokens).containsExactly("good");
        assertThat(ch.config().isAutoRead()).isFalse();
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        assertThat(auth.state).isEqualTo(State.OPEN);
        assertThat(auth.opened).containsExactly(DEVICE);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(auth.errors).isEmpty();
        assertThat(auth.closes).isEmpty();
    }

    @Test
    void theHeaderTokenComesBeforeTheQueryToken() {
        upgrade("/ws?token=fromQuery", "Bearer fromHeader");
        assertThat(auth.tokens).containsExactly("fromHeader");
    }

    @Test
    void aQueryTokenIsCheckedWithoutAHeader() {
        upgrade("/ws?v=1&token=fromQuery", null);
        assertThat(auth.state).isEqualTo(State.AUTHENTICATING);
        assertThat(auth.tokens).containsExactly("fromQuery");
    }

    @Test
    void withoutATokenTheFirstFrameMustBeAuthAndABadTokenCloses1008() {
        upgrade("/ws", null);
        assertThat(auth.state).isEqualTo(State.AWAITING_AUTH);
        auth.onMessage(text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"t\"}"));
        assertThat(auth.state).isEqualTo(State.AUTHENTICATING);
        assertThat(auth.tokens).containsExactly("t");
        auth.check.completeExceptionally(new ParleyException(ErrorCode.UNAUTHENTICATED, "bad token"));
        ch.runPendingTasks();
        assertThat(auth.errors).containsExactly("UNAUTHENTICATED a1");
        assertThat(auth.closes).containsExactly("1008 UNAUTHENTICATED");
        assertThat(auth.state).isEqualTo(State.CLOSED);
        assertThat(auth.opened).isEmpty();
    }

    @Test
    void anyOtherFirstFrameIsUnauthenticated() {
        upgrade("/ws", null);
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"p\"}"));
        assertThat(auth.errors).containsExactly("UNAUTHENTICATED p");
        assertThat(auth.closes).containsExactly("1008 UNAUTHENTICATED");
        assertThat(auth.state).isEqualTo(State.CLOSED);
        assertThat(auth.tokens).isEmpty();
    }

    @Test
    void aBinaryOrUndecodableFirstFrameIsUnauthenticated() {
        upgrade("/ws", null);
        auth.onMessage(new BinaryWebSocketFrame());
        assertThat(auth.errors).containsExactly("UNAUTHENTICATED null");
        RecordingConnection other = new RecordingConnection(auth.settings);
        EmbeddedChannel second = new EmbeddedChannel(other);
        other.onUpgrade(handshake("/ws", null));
        other.onMessage(text("{\"type\":\"auth\",\"id\":\"a\"}"));
        assertThat(other.errors).containsExactly("UNAUTHENTICATED a");
        assertThat(other.state).isEqualTo(State.CLOSED);
        second.finishAndReleaseAll();
    }

    @Test
    void framesWhileTheTokenIsCheckedAreHeldAndDispatchedInOrderOnceOpen() {
        upgrade("/ws", "Bearer good");
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"p1\"}"));
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"p2\"}"));
        assertThat(auth.dispatched).isEmpty();
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        assertThat(auth.dispatched).containsExactly(new ClientFrame.Ping("p1"), new ClientFrame.Ping("p2"));
    }

    @Test
    void anAuthFrameThatCameBeforeTheUpgradeIsHeldForIt() {
        auth.onMessage(text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"early\"}"));
        assertThat(auth.tokens).isEmpty();
        upgrade("/ws", null);
        assertThat(auth.state).isEqualTo(State.AUTHENTICATING);
        assertThat(auth.tokens).containsExactly("early");
    }

    @Test
    void moreHeldFramesThanAllowedClose1008AndAreFreed() {
        upgrade("/ws", "Bearer good");
        List<WebSocketFrame> sent = new ArrayList<>();
        for (int i = 0; i <= WebSocketSessionHandler.MAX_PENDING_FRAMES; i++) {
            WebSocketFrame f = text("{\"type\":\"ping\",\"id\":\"p" + i + "\"}");
            sent.add(f);
            auth.onMessage(f);
        }
        assertThat(auth.errors).containsExactly("RATE_LIMITED null");
        assertThat(auth.closes).containsExactly("1008 too many frames before authentication");
        assertThat(auth.state).isEqualTo(State.CLOSED);
        assertThat(sent).allSatisfy(f -> assertThat(f.refCnt()).isZero());
    }

    @Test
    void notAuthenticatedWithinTheTimeoutCloses1008() {
        upgrade("/ws", null);
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(auth.closes).isEmpty();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(auth.errors).containsExactly("UNAUTHENTICATED null");
        assertThat(auth.closes).containsExactly("1008 UNAUTHENTICATED");
    }

    @Test
    void theTimeoutIsCancelledOnceOpen() {
        upgrade("/ws", "Bearer good");
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(auth.state).isEqualTo(State.OPEN);
        assertThat(auth.closes).isEmpty();
    }

    @Test
    void aTokenCheckThatEndsAfterTheCloseIsIgnored() {
        upgrade("/ws", "Bearer good");
        auth.enterClosed();
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        assertThat(auth.opened).isEmpty();
        assertThat(auth.state).isEqualTo(State.CLOSED);
    }

    @Test
    void aStoreOutageIsRetryableAndCloses1013() {
        upgrade("/ws", "Bearer good");
        auth.check.completeExceptionally(new ParleyException(ErrorCode.UNAVAILABLE, "store down"));
        ch.runPendingTasks();
        assertThat(auth.errors).containsExactly("UNAVAILABLE null");
        assertThat(auth.closes).containsExactly("1013 UNAVAILABLE");
    }

    @Test
    void aCheckThatThrowsIsAFailedCheck() {
        auth.throwOnCheck = true;
        upgrade("/ws", "Bearer good");
        ch.runPendingTasks();
        assertThat(auth.errors).containsExactly("INTERNAL null");
        assertThat(auth.closes).containsExactly("1013 INTERNAL");
    }

    @Test
    void aSessionThatCannotOpenLeavesTheConnectionClosed() {
        auth.openFails = true;
        upgrade("/ws", "Bearer good");
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"p1\"}"));
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        assertThat(auth.state).isEqualTo(State.CLOSED);
        assertThat(auth.dispatched).isEmpty();
    }

    @Test
    void anUnsupportedProtocolVersionIsRefusedBeforeAnyTokenIsChecked() {
        assertThat(upgrade("/ws?v=2&token=good", null)).isFalse();
        assertThat(auth.errors).containsExactly("INVALID_FIELD null");
        assertThat(auth.closes).containsExactly("1002 unsupported protocol version");
        assertThat(auth.tokens).isEmpty();
    }

    @Test
    void overTheRateLimitBeforeAuthenticationCloses1008() {
        upgrade("/ws", null);
        auth.allowed = false;
        auth.onMessage(text("{\"type\":\"auth\",\"id\":\"a1\",\"token\":\"t\"}"));
        assertThat(auth.errors).containsExactly("RATE_LIMITED null");
        assertThat(auth.closes).containsExactly("1008 RATE_LIMITED");
        assertThat(auth.tokens).isEmpty();
    }

    @Test
    void onceOpenBadMessagesGetAnErrorAndTheStateStays() {
        open();
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"" + "x".repeat(MAX_FRAME) + "\"}"));
        auth.onMessage(text("{\"type\":\"nope\",\"id\":\"n1\"}"));
        auth.onMessage(new BinaryWebSocketFrame());
        auth.allowed = false;
        auth.onMessage(text("{\"type\":\"ping\",\"id\":\"late\"}"));
        assertThat(auth.errors).containsExactly("FRAME_TOO_LARGE null", "UNKNOWN_TYPE n1", "UNKNOWN_TYPE null",
                "RATE_LIMITED late");
        assertThat(auth.closes).isEmpty();
        assertThat(auth.state).isEqualTo(State.OPEN);
        assertThat(auth.dispatched).isEmpty();
    }

    @Test
    void onceClosedMessagesAreDropped() {
        open();
        auth.enterClosed();
        WebSocketFrame late = text("{\"type\":\"ping\",\"id\":\"p\"}");
        auth.onMessage(late);
        assertThat(late.refCnt()).isZero();
        assertThat(auth.dispatched).isEmpty();
        assertThat(auth.errors).isEmpty();
    }

    private void open() {
        upgrade("/ws", "Bearer good");
        auth.check.complete(DEVICE);
        ch.runPendingTasks();
        assertThat(auth.state).isEqualTo(State.OPEN);
    }

    private boolean upgrade(String uri, String authorization) {
        return auth.onUpgrade(handshake(uri, authorization));
    }

    private static WebSocketServerProtocolHandler.HandshakeComplete handshake(String uri, String authorization) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (authorization != null) {
            headers.set("Authorization", authorization);
        }
        return new WebSocketServerProtocolHandler.HandshakeComplete(uri, headers, null);
    }

    private static WebSocketFrame text(String s) {
        return new TextWebSocketFrame(s);
    }

    /** The connection as the state machine sees it, recording every request; a close is as the handler's. */
    private static final class RecordingConnection extends WebSocketAuthentication {
        final List<String> errors = new ArrayList<>();
        final List<String> closes = new ArrayList<>();
        final List<String> tokens = new ArrayList<>();
        final List<Device> opened = new ArrayList<>();
        final List<ClientFrame> dispatched = new ArrayList<>();
        CompletableFuture<Device> check = new CompletableFuture<>();
        boolean allowed = true;
        boolean throwOnCheck;
        boolean openFails;

        RecordingConnection(WebSocketSettings settings) {
            super(settings);
        }

        @Override
        long hardLimit() {
            return settings.hardLimit();
        }

        @Override
        void onPing(ByteBuf payload) {
            payload.release();
        }

        @Override
        void onCloseFrame(ByteBuf payload) {
            payload.release();
        }

        @Override
        void closeWebSocket(int code, String reason) {
            if (state != State.CLOSED) {
                closes.add(code + " " + reason);
                enterClosed();
            }
        }

        @Override
        boolean allowFrame() {
            return allowed;
        }

        @Override
        void sendError(String requestId, ParleyException error) {
            errors.add(error.code() + " " + requestId);
        }

        @Override
        void updateAutoRead() {
            ctx.channel().config().setAutoRead(state != State.AUTHENTICATING);
        }

        @Override
        CompletionStage<Device> authenticate(String token) {
            tokens.add(token);
            if (throwOnCheck) {
                throw new IllegalStateException("no store");
            }
            return check;
        }

        @Override
        boolean openSession(Device device, String requestId) {
            if (openFails) {
                sendError(requestId, new ParleyException(ErrorCode.INTERNAL, "cannot open"));
                closeWebSocket(1011, "INTERNAL");
                return false;
            }
            opened.add(device);
            return true;
        }

        @Override
        void dispatch(ClientFrame frame) {
            dispatched.add(frame);
        }
    }

    /** The state machine reaches the core only through {@link RecordingConnection}. */
    private static final class UnusedGateway implements SessionGateway {
        @Override
        public CompletionStage<Device> authenticate(String token) {
            throw new AssertionError("not through the gateway");
        }

        @Override
        public Transport.Listener open(Device device, Transport transport) {
            throw new AssertionError("not through the gateway");
        }
    }
}
