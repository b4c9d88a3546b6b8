package dev.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.CursorStore;
import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyAccounts.DeviceLogin;
import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClient;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.ServerProcess;
import dev.parley.testkit.Waits;
import dev.parley.testkit.contract.RecordingListener;
import dev.parley.testkit.contract.TestUsers;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durable on ack, for real: the server runs as a separate JVM ({@link ServerProcess}, store
 * {@code fsync: always}) and is killed with SIGKILL in the middle of traffic, then restarted on
 * the same data directory.
 *
 * <ol>
 *   <li>Kill while a sender streams: every message acknowledged before the kill survives; the
 *       sends that were in flight, re-sent with their client message ids, are stored once
 *       (answered as duplicates if they had been stored); the conversation is 1..N without gaps
 *       or repeats, and the recipient, draining afterwards, gets exactly that.</li>
 *   <li>Kill while a recipient drains a backlog, and the recipient's process dies too: a new
 *       client on the same file cursor resumes from it and, together with what the first one
 *       had durably handled, has every message exactly once. Then a read receipt acknowledged
 *       just before another kill still reaches the sender after the restart.</li>
 * </ol>
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private Path work;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void workDir() throws IOException {
        work = Files.createTempDirectory(EmbeddedDeployment.workDir(), "crash-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        EmbeddedDeployment.deleteRecursively(work);
    }

    @Test
    void everyAcknowledgedSendSurvivesAKillAndInFlightResendsAreStoredOnce() throws Exception {
        ServerProcess first = start();
        Account alice = account(first.baseUri(), "alice");
        Account bob = account(first.baseUri(), "bob");
        ParleyClient a = track(client(first.baseUri(), alice.token(), CursorStore.inMemory(), new RecordingListener()));
        join(a.connect());
        String conv = join(a.openDirect(bob.name())).conv();

        // Stream with a window of 50 sends in flight; kill -9 once 300 are acknowledged.
        Semaphore window = new Semaphore(50);
        Map<String, CompletableFuture<Sent>> sends = new LinkedHashMap<>();
        Set<String> ackedBeforeKill = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicBoolean killed = new AtomicBoolean();
        for (int i = 0; !killed.get() && i < 5_000; i++) {
            if (!window.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no send acknowledged within " + WAIT + "; server log:\n" + first.logTail());
            }
            String cmid = "c-" + i;
            CompletableFuture<Sent> f = a.send(conv, body(i), null, cmid);
            sends.put(cmid, f);
            f.whenComplete((s, e) -> {
                if (s != null && !killed.get()) {
                    ackedBeforeKill.add(cmid);
                }
                window.release();
            });
            if (ackedBeforeKill.size() >= 300) {
                first.kill9();
                killed.set(true);
            }
        }
        assertThat(killed).as("the server was killed").isTrue();
        a.close();
        Map<String, Sent> acked = new LinkedHashMap<>();
        List<String> unacked = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<Sent>> e : sends.entrySet()) {
            Sent s = e.getValue().handle((v, err) -> v).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (s != null) {
                acked.put(e.getKey(), s);
            } else {
                unacked.add(e.getKey());
            }
        }
        assertThat(acked.keySet()).containsAll(ackedBeforeKill);
        assertThat(unacked).as("the kill came with sends in flight").isNotEmpty();

        // Restart on the same data; the sender re-sends what was not acknowledged, with the same ids.
        ServerProcess second = start();
        ParleyClient a2 = track(client(second.baseUri(), alice.token(), CursorStore.inMemory(), new RecordingListener()));
        join(a2.connect());
        Map<String, CompletableFuture<Sent>> resends = new LinkedHashMap<>();
        for (String cmid : unacked) {
            resends.put(cmid, a2.send(conv, body(Integer.parseInt(cmid.substring(2))), null, cmid));
        }
        Map<String, Sent> all = new LinkedHashMap<>(acked);
        int duplicates = 0;
        for (Map.Entry<String, CompletableFuture<Sent>> e : resends.entrySet()) {
            Sent s = join(e.getValue());
            duplicates += s.duplicate() ? 1 : 0;
            all.put(e.getKey(), s);
        }
        int n = sends.size();
        Map<Long, String> cmidBySeq = new HashMap<>();
        for (Map.Entry<String, Sent> e : all.entrySet()) {
            assertThat(cmidBySeq.put(e.getValue().seq(), e.getKey())).as("seq %s given twice", e.getValue().seq()).isNull();
        }
        assertThat(cmidBySeq.keySet()).as("every attempted message has one seq, 1..%s without gaps", n)
                .containsExactlyInAnyOrderElementsOf(Waits.range(1, n));

        // The recipient drains everything from the restarted server: each message once, in order.
        RecordingListener bEvents = new RecordingListener();
        ParleyClient b = track(client(second.baseUri(), bob.token(), CursorStore.file(work.resolve("bob.cursor")), bEvents));
        join(b.connect());
        Awaitility.await().atMost(WAIT).until(() -> bEvents.messages(conv).size() >= n);
        List<MessageView> got = bEvents.messages(conv);
        assertThat(got).extracting(MessageView::seq).containsExactlyElementsOf(Waits.range(1, n));
        for (MessageView m : got) {
            Sent s = all.get(m.clientMsgId());
            assertThat(s).as("message %s has a client id that was sent", m.seq()).isNotNull();
            assertThat(m.seq()).isEqualTo(s.seq());
            assertThat(m.msgId()).isEqualTo(s.msgId());
            assertThat(m.body()).isEqualTo(body(Integer.parseInt(m.clientMsgId().substring(2))));
        }
        for (Map.Entry<String, Sent> e : acked.entrySet()) {
            MessageView m = got.get((int) e.getValue().seq() - 1);
            assertThat(m.msgId()).as("acknowledged %s survived", e.getKey()).isEqualTo(e.getValue().msgId());
        }

        // History over REST agrees.
        List<MessageView> history = restHistory(second.baseUri(), bob.token(), conv);
        assertThat(history).extracting(MessageView::msgId)
                .containsExactlyElementsOf(got.stream().map(MessageView::msgId).toList());
        System.out.printf("crash while sending: %d acknowledged before the kill, %d in flight re-sent (%d were stored)%n",
                acked.size(), unacked.size(), duplicates);
    }

    @Test
    void aRecipientKilledMidDrainResumesFromItsFileCursorWithEveryMessageOnce() throws Exception {
        int total = 2_000;
        int handledBeforeCrash = 500;
        ServerProcess first = start();
        Account alice = account(first.baseUri(), "alice");
        Account bob = account(first.baseUri(), "bob");
        ParleyClient a = track(client(first.baseUri(), alice.token(), CursorStore.inMemory(), new RecordingListener()));
        join(a.connect());
        String conv = join(a.openDirect(bob.name())).conv();
        Semaphore window = new Semaphore(200);
        List<CompletableFuture<Sent>> sends = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            window.acquire();
            CompletableFuture<Sent> f = a.send(conv, body(i));
            f.whenComplete((s, e) -> window.release());
            sends.add(f);
        }
        for (CompletableFuture<Sent> f : sends) {
            join(f);
        }
        a.close();

        // Bob's device crashes with the server: its listener stops dead after handling some of the
        // backlog and its cursor file takes no more writes, as if the process had been killed.
        Path cursorFile = work.resolve("bob.cursor");
        CrashableCursorStore cursors = new CrashableCursorStore(CursorStore.file(cursorFile));
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        RecordingListener b1Events = new RecordingListener();
        RecordingListener gate = new RecordingListener() {
            private int handled;

            @Override
            public void onMessage(MessageView message, long cursor) {
                if (cursors.crashed()) {
                    awaitQuietly(never);
                    return;
                }
                b1Events.onMessage(message, cursor);
                if (++handled == handledBeforeCrash) {
                    reached.countDown();
                    awaitQuietly(never);
                }
            }
        };
        ParleyClient b1 = track(client(first.baseUri(), bob.token(), cursors, gate));
        open.add(never::countDown); // closed first: lets the stuck listener return before b1 closes
        b1.connect();
        assertThat(reached.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("bob started draining").isTrue();
        first.kill9();
        cursors.crash();
        long persisted = CursorStore.file(cursorFile).load();
        List<RecordingListener.Message> durablyHandled = b1Events.all(RecordingListener.Message.class,
                m -> m.cursor() <= persisted);
        assertThat(persisted).as("bob's cursor file holds progress").isPositive();
        assertThat(durablyHandled.size()).isLessThanOrEqualTo(handledBeforeCrash);

        // Restart; a new client on the same cursor file resumes after it.
        ServerProcess second = start();
        RecordingListener b2Events = new RecordingListener();
        ParleyClient b2 = track(client(second.baseUri(), bob.token(), CursorStore.file(cursorFile), b2Events));
        join(b2.connect());
        int expectRest = total - durablyHandled.size();
        Awaitility.await().atMost(WAIT).until(() -> b2Events.messages(conv).size() >= expectRest);

        List<Long> seqs = new ArrayList<>();
        durablyHandled.forEach(m -> seqs.add(m.message().seq()));
        b2Events.messages(conv).forEach(m -> seqs.add(m.seq()));
        assertThat(seqs).as("every message exactly once, in order, across the crash").containsExactlyElementsOf(Waits.range(1, total));
        assertThat(b2Events.all(RecordingListener.Message.class)).allSatisfy(m -> assertThat(m.cursor()).isGreaterThan(persisted));
        assertThat(restHistory(second.baseUri(), bob.token(), conv)).hasSize(total);
        System.out.printf("crash while draining: %d of %d durably handled before the kill, %d after the restart%n",
                durablyHandled.size(), total, b2Events.messages(conv).size());

        // Receipts are durable on ack too: bob's read, answered ok just before another kill, reaches alice.
        join(b2.markRead(conv, total));
        second.kill9();
        ServerProcess third = start();
        RecordingListener aEvents = new RecordingListener();
        ParleyClient a3 = track(client(third.baseUri(), alice.token(), CursorStore.inMemory(), aEvents));
        join(a3.connect());
        Awaitility.await().atMost(WAIT).until(() -> aEvents.receiptUpTo(conv, bob.name(), "read") == total);
        assertThat(join(a3.messageInfo(conv, total)).aggregate()).isEqualTo("read");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private record Account(String name, String token) {
    }

    /** A cursor store that stops writing once {@link #crash()} is called, as a killed process would. */
    private static final class CrashableCursorStore implements CursorStore {
        private final CursorStore delegate;
        private volatile boolean crashed;

        CrashableCursorStore(CursorStore delegate) {
            this.delegate = delegate;
        }

        void crash() {
            crashed = true;
        }

        boolean crashed() {
            return crashed;
        }

        @Override
        public long load() {
            return delegate.load();
        }

        @Override
        public synchronized void save(long cursor) {
            if (!crashed) {
                delegate.save(cursor);
            }
        }
    }

    private ServerProcess start() throws IOException, InterruptedException {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                  maxFrameBytes: 16384
                  shutdownGraceSeconds: 1
                store:
                  dataDir: "%s"
                  fsync: always
                limits:
                  maxBodyBytes: 8192
                  rateLimitPerSecond: 10000
                  rateLimitBurst: 20000
                  userSendPerSecond: 10000
                  userSendBurst: 20000
                  argon2MemoryKiB: 1024
                  argon2Iterations: 1
                metrics:
                  enabled: false
                """.formatted(work.resolve("data").toString().replace("\\", "/"));
        ServerProcess p = ServerProcess.start(work, yaml, Map.of(), START);
        open.add(() -> p.kill9());
        return p;
    }

    private Account account(URI server, String prefix) {
        ParleyAccounts rest = ParleyAccounts.of(server);
        String name = TestUsers.uniqueName(prefix);
        join(rest.register(name, TestUsers.PASSWORD));
        DeviceLogin login = join(rest.login(name, TestUsers.PASSWORD, "crash-test"));
        return new Account(name, login.token());
    }

    private ParleyClient client(URI server, String token, CursorStore cursors, RecordingListener listener) {
        return ParleyClient.builder(server, token)
                .cursorStore(cursors)
                .listener(listener)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .sendRetry(1_000, Duration.ofMinutes(2))
                .build();
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static List<MessageView> restHistory(URI server, String token, String conv) {
        ParleyAccounts rest = ParleyAccounts.of(server);
        List<MessageView> out = new ArrayList<>();
        long after = 0;
        while (true) {
            HistoryPage page = join(rest.history(token, conv, HistoryRequest.afterSeq(after, 1000)));
            out.addAll(page.messages());
            if (!page.hasMore()) {
                return out;
            }
            after = page.messages().get(page.messages().size() - 1).seq();
        }
    }

    private static String body(int i) {
        return "message " + i;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        return Waits.join(f, WAIT);
    }
}
