package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ListenerDispatchTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<Long> stored = new CopyOnWriteArrayList<>();
    private final List<Long> passedOn = new CopyOnWriteArrayList<>();
    private final AtomicInteger caughtUp = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean blockFirst;
    private volatile boolean throwOnMessages;

    private final ParleyListener listener = new ParleyListener() {
        @Override
        public void onMessage(ServerFrame.MessageView m, long cursor) {
            if (blockFirst && cursor == 1) {
                await(release);
            }
            calls.add("message " + cursor + " on " + Thread.currentThread().getName());
            if (throwOnMessages) {
                throw new IllegalStateException("listener bug");
            }
        }

        @Override
        public void onReceipt(ServerFrame.ReceiptEvent r) {
            calls.add("receipt " + r.cursor());
        }

        @Override
        public void onTyping(ServerFrame.TypingEvent t) {
            calls.add("typing " + t.user());
        }

        @Override
        public void onConnected() {
            calls.add("connected");
        }

        @Override
        public void onSynced(long head) {
            calls.add("synced " + head);
        }

        @Override
        public void onDisconnected(String reason) {
            calls.add("disconnected " + reason);
        }
    };

    private final CursorStore store = new CursorStore() {
        @Override
        public long load() {
            return 0;
        }

        @Override
        public void save(long cursor) {
            stored.add(cursor);
        }
    };

    private final ListenerDispatch dispatch = new ListenerDispatch("test", listener, store, passedOn::add,
            caughtUp::incrementAndGet, r -> new Thread(r, "test-listener-1"));

    @AfterEach
    void stop() {
        release.countDown();
        dispatch.shutdown(WAIT);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ServerFrame.MessageEvent message(long cursor) {
        return new ServerFrame.MessageEvent(cursor, new ServerFrame.MessageView("c", cursor, "m" + cursor, "bob", "d1",
                "cm" + cursor, 0, "hi", "text/plain"));
    }

    @Test
    void eventsReachTheListenerInOrderOnItsOwnThread() {
        dispatch.start(0);
        dispatch.connected();
        dispatch.message(message(1), InboxDedup.Verdict.DELIVER);
        dispatch.typing(new ServerFrame.TypingEvent("c", "bob", "start"));
        dispatch.receipt(new ServerFrame.ReceiptEvent(2, "c", "bob", "read", 1, 0), InboxDedup.Verdict.DELIVER);
        dispatch.synced(2, () -> calls.add("then"));
        dispatch.disconnected("gone");
        dispatch.drain(WAIT);

        assertThat(calls).containsExactly("connected", "message 1 on test-listener-1", "typing bob", "receipt 2",
                "synced 2", "then", "disconnected gone");
        assertThat(dispatch.isListenerThread()).isFalse();
    }

    @Test
    void theCursorIsSavedAfterTheListenerReturnedAndOnlyThenPassedOnToAcknowledge() {
        dispatch.start(0);
        dispatch.message(message(1), InboxDedup.Verdict.DELIVER);
        dispatch.drain(WAIT);

        assertThat(stored).containsExactly(1L);
        assertThat(passedOn).containsExactly(1L);
        assertThat(dispatch.savedCursor()).isEqualTo(1);
        assertThat(caughtUp.get()).as("after each event, and after the drain").isEqualTo(2);
    }

    @Test
    void whileTheListenerIsBehindTheCursorIsSavedEveryBatch() {
        blockFirst = true;
        dispatch.start(0);
        for (long c = 1; c <= 150; c++) {
            dispatch.message(message(c), InboxDedup.Verdict.DELIVER);
        }
        assertThat(dispatch.backlog()).isEqualTo(149);
        release.countDown();
        dispatch.drain(WAIT);

        assertThat(calls).hasSize(150);
        assertThat(stored).containsExactly((long) AckTracker.BATCH, 150L);
        assertThat(passedOn).containsExactly((long) AckTracker.BATCH, 150L);
    }

    @Test
    void duplicatesAreNotHandedOverButAMessageSeenUnderAnotherCursorAdvancesIt() {
        dispatch.start(5);
        dispatch.message(message(4), InboxDedup.Verdict.DROP);
        dispatch.message(message(6), InboxDedup.Verdict.SKIP_ADVANCE);
        dispatch.drain(WAIT);

        assertThat(calls).isEmpty();
        assertThat(stored).containsExactly(6L);
        assertThat(dispatch.savedCursor()).isEqualTo(6);
    }

    @Test
    void anEventWhoseListenerThrewCountsAsHandled() {
        throwOnMessages = true;
        dispatch.start(0);
        dispatch.message(message(1), InboxDedup.Verdict.DELIVER);
        dispatch.message(message(2), InboxDedup.Verdict.DELIVER);
        dispatch.drain(WAIT);

        assertThat(calls).hasSize(2);
        assertThat(stored).containsExactly(2L);
    }

    @Test
    void afterShutdownEventsAreDropped() {
        dispatch.start(0);
        dispatch.shutdown(WAIT);
        dispatch.connected();
        assertThat(calls).isEmpty();
    }
}
