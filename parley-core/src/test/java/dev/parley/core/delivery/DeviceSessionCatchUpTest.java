package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.account.Device;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** Catch-up of a backlog: batches read one ahead, paused while the transport is congested. */
class DeviceSessionCatchUpTest {
    private static final int BATCH = 100;

    @Test
    void aBacklogArrivesOnceInOrderWithTheNextBatchReadWhileOneIsSent() {
        Fixture f = new Fixture(1_000);
        f.session.onFrame(new ClientFrame.Sync("s", null));
        f.runAll();
        assertThat(f.messageCursors()).containsExactlyElementsOf(range(1, 1_000));
        assertThat(f.synced()).containsExactly(new ServerFrame.Synced("s", 0, 1_000));
        // Each full batch asked for the next one before its frames were sent.
        assertThat(f.log.subList(0, 4)).containsExactly("read after 0", "read after 100", "send 1", "send 2");
        assertThat(f.reads).isEqualTo(11);
    }

    @Test
    void deliveryPausesWhileCongestedAndResumesFromTheStore() {
        Fixture f = new Fixture(1_000);
        f.writableFrames = 150; // congested after 150 frames
        f.session.onFrame(new ClientFrame.Sync("s", null));
        f.runAll();
        assertThat(f.messageCursors()).as("two batches; the third, read ahead, was dropped")
                .containsExactlyElementsOf(range(1, 200));
        assertThat(f.synced()).isEmpty();

        f.writableFrames = Integer.MAX_VALUE;
        f.session.onWritable();
        f.runAll();
        assertThat(f.messageCursors()).containsExactlyElementsOf(range(1, 1_000));
        assertThat(f.synced()).containsExactly(new ServerFrame.Synced("s", 0, 1_000));
    }

    @Test
    void aSyncPausedAtTheEndOfItsBacklogStillGetsSynced() {
        Fixture f = new Fixture(BATCH);
        f.writableFrames = BATCH; // exactly one batch: the read ahead (empty) finds the transport congested
        f.session.onFrame(new ClientFrame.Sync("s", null));
        f.runAll();
        assertThat(f.messageCursors()).hasSize(BATCH);
        assertThat(f.synced()).isEmpty();

        f.writableFrames = Integer.MAX_VALUE;
        f.session.onWritable();
        f.runAll();
        assertThat(f.messageCursors()).containsExactlyElementsOf(range(1, BATCH));
        assertThat(f.synced()).containsExactly(new ServerFrame.Synced("s", 0, BATCH));
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    /** A session over an in-memory inbox and a transport run by hand on the test's thread. */
    private static final class Fixture implements Transport, Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        final List<ServerFrame> frames = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        final List<InboxEntry> inbox = new ArrayList<>();
        int writableFrames = Integer.MAX_VALUE;
        int reads;
        final DeviceSession session;

        Fixture(int backlog) {
            Instant now = Instant.parse("2026-01-01T00:00:00Z");
            for (long c = 1; c <= backlog; c++) {
                inbox.add(new InboxEntry("bob", c, now, new InboxEvent.MessageAdded(new StoredMessage("d1", c, "m" + c,
                        "alice", "a1", "c" + c, now, "body " + c, null))));
            }
            Device device = new Device("bob", "b1", "phone", "hash", now, null, null);
            RequestDispatcher dispatcher = new RequestDispatcher(null, null, null, null, null, null, () -> 0L, () -> {
            }, code -> {
            });
            session = new DeviceSession(device, this, new SessionContext(dispatcher, new Store(), BATCH, s -> {
            }), new RateLimiter(1_000_000, 1_000_000, 0L),
                    new TokenBuckets(1_000_000, 1_000_000, () -> 0L).of(device.userId()));
        }

        void runAll() {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
        }

        List<Long> messageCursors() {
            return frames.stream().filter(x -> x instanceof ServerFrame.MessageEvent)
                    .map(x -> ((ServerFrame.MessageEvent) x).cursor()).toList();
        }

        List<ServerFrame> synced() {
            return frames.stream().filter(x -> x instanceof ServerFrame.Synced).toList();
        }

        @Override
        public void send(ServerFrame frame) {
            frames.add(frame);
            if (frame instanceof ServerFrame.MessageEvent m) {
                log.add("send " + m.cursor());
            }
        }

        @Override
        public boolean isWritable() {
            return frames.size() < writableFrames;
        }

        @Override
        public Executor executor() {
            return this;
        }

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        @Override
        public void close(int statusCode, String reason) {
            throw new AssertionError("closed: " + statusCode + " " + reason);
        }

        /** Only the message port: the session never reads conversations. */
        private final class Store implements MessageStore {
            @Override
            public CompletionStage<List<InboxEntry>> readInbox(String userId, long after, int limit) {
                reads++;
                log.add("read after " + after);
                return CompletableFuture.completedFuture(List.copyOf(
                        inbox.subList((int) Math.min(after, inbox.size()), (int) Math.min(after + limit, inbox.size()))));
            }

            @Override
            public CompletionStage<Long> inboxHead(String userId) {
                return CompletableFuture.completedFuture((long) inbox.size());
            }

            @Override
            public CompletionStage<Long> deviceCursor(String userId, String deviceId) {
                return CompletableFuture.completedFuture(0L);
            }

            @Override
            public CompletionStage<Void> saveDeviceCursor(String userId, String deviceId, long cursor) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<AppendResult> appendMessage(NewMessage message) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<List<StoredMessage>> history(String conversationId, HistoryQuery query) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Long> lastSeq(String conversationId) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Map<String, InboxEntry>> advanceWatermark(String conversationId, String userId,
                                                                             ReceiptKind kind, long upTo) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Map<String, Watermarks>> watermarks(String conversationId) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Long> pruneInboxes(Instant cutoff) {
                throw new UnsupportedOperationException();
            }
        }
    }
}
