package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request refused with a retryable error is sent again after a backoff, as docs/PROTOCOL.md asks
 * of clients: a send unchanged (same id and clientMsgId, so the server stores it once), an
 * acknowledgement for the highest cursor. Anything else is counted as an error.
 */
class ConnRetryTest {
    private final List<String> retried = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private EmbeddedChannel channel;
    private Conn conn;
    private ConvSlot slot;

    @BeforeEach
    void openConnection() {
        conn = new Conn(new Cred("alice", "t", 0), new Conn.Listener() {
            @Override
            public void onOpen(Conn c) {
            }

            @Override
            public void onFailed(Conn c, String reason) {
            }

            @Override
            public void onLost(Conn c, String reason) {
            }

            @Override
            public void onRetry(Conn c, char kind, String code) {
                retried.add(kind + ":" + code);
            }

            @Override
            public void onError(Conn c, char kind, String code, String text) {
                errors.add(kind + ":" + code);
            }
        });
        channel = new EmbeddedChannel();
        conn.bind(channel);
        channel.pipeline().addLast(conn);
        receive("{\"type\":\"welcome\",\"protocol\":1,\"user\":\"alice\",\"device\":\"d\",\"heartbeatSeconds\":60}");
        assertThat(conn.state()).isEqualTo(Conn.State.OPEN);
        slot = conn.slot("d:alice:bob");
    }

    private void receive(String json) {
        channel.writeInbound(new TextWebSocketFrame(json));
    }

    private List<String> written() {
        List<String> out = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            TextWebSocketFrame f = (TextWebSocketFrame) o;
            out.add(f.text());
            f.release();
        }
        return out;
    }

    private void afterBackoff() {
        channel.advanceTimeBy(4, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aSendRefusedAsRetryableGoesAgainUnchangedAndItsDuplicateReplyIsNoError() {
        conn.send(slot, 1234, 20);
        conn.flush();
        String first = written().get(0);
        assertThat(first).contains("\"id\":\"m1\"", "\"clientMsgId\":\"c1\"");

        receive("{\"type\":\"error\",\"id\":\"m1\",\"code\":\"UNAVAILABLE\",\"message\":\"x\",\"retryable\":true}");
        assertThat(retried).containsExactly("m:UNAVAILABLE");
        assertThat(conn.outstanding()).isEqualTo(1);
        assertThat(written()).isEmpty(); // not before the backoff

        afterBackoff();
        assertThat(written()).containsExactly(first);

        // The refused attempt had been stored after all: the retry is answered "duplicate".
        receive("{\"type\":\"sent\",\"id\":\"m1\",\"conv\":\"d:alice:bob\",\"seq\":1,\"duplicate\":true}");
        assertThat(conn.outstanding()).isZero();
        assertThat(slot.sentDuplicates).isZero();
        assertThat(slot.maxSentSeq).isEqualTo(1);
        assertThat(conn.errors).isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void aFirstAttemptAnsweredDuplicateIsCounted() {
        conn.send(slot, 1, 20);
        receive("{\"type\":\"sent\",\"id\":\"m1\",\"conv\":\"d:alice:bob\",\"seq\":1,\"duplicate\":true}");
        assertThat(slot.sentDuplicates).isEqualTo(1);
    }

    @Test
    void aNonRetryableErrorIsAnErrorAndNotSentAgain() {
        conn.send(slot, 1, 20);
        conn.flush();
        written();
        receive("{\"type\":\"error\",\"id\":\"m1\",\"code\":\"MESSAGE_TOO_LARGE\",\"message\":\"x\",\"retryable\":false}");
        afterBackoff();
        assertThat(written()).isEmpty();
        assertThat(errors).containsExactly("m:MESSAGE_TOO_LARGE");
        assertThat(conn.errors).isEqualTo(1);
        assertThat(conn.outstanding()).isZero();
    }

    @Test
    void aSendIsRetriedAtMostMaxAttemptsTimes() {
        conn.send(slot, 1, 20);
        conn.flush();
        written();
        for (int i = 1; i < Conn.MAX_ATTEMPTS; i++) {
            receive("{\"type\":\"error\",\"id\":\"m1\",\"code\":\"UNAVAILABLE\",\"message\":\"x\",\"retryable\":true}");
            afterBackoff();
            assertThat(written()).hasSize(1);
        }
        receive("{\"type\":\"error\",\"id\":\"m1\",\"code\":\"UNAVAILABLE\",\"message\":\"x\",\"retryable\":true}");
        afterBackoff();
        assertThat(written()).isEmpty();
        assertThat(retried).hasSize(Conn.MAX_ATTEMPTS - 1);
        assertThat(errors).containsExactly("m:UNAVAILABLE");
        assertThat(conn.outstanding()).isZero();
    }

    @Test
    void aRefusedAcknowledgementGoesAgainForTheHighestCursor() {
        conn.sync();
        receive("{\"type\":\"receipt\",\"cursor\":1,\"conv\":\"d:alice:bob\",\"user\":\"bob\",\"kind\":\"delivered\",\"upTo\":1}");
        receive("{\"type\":\"receipt\",\"cursor\":2,\"conv\":\"d:alice:bob\",\"user\":\"bob\",\"kind\":\"delivered\",\"upTo\":2}");
        List<String> out = written();
        assertThat(out.get(out.size() - 1)).contains("\"type\":\"ack\"", "\"upTo\":2");

        receive("{\"type\":\"error\",\"id\":\"a9\",\"code\":\"UNAVAILABLE\",\"message\":\"x\",\"retryable\":true}");
        afterBackoff();
        List<String> again = written();
        assertThat(again).hasSize(1);
        assertThat(again.get(0)).contains("\"type\":\"ack\"", "\"upTo\":2");
        assertThat(errors).isEmpty();
    }
}
