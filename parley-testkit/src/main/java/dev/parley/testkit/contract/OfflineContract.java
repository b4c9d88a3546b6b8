package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.parley.client.CursorStore;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.TcpProxy;
import dev.parley.testkit.contract.RecordingListener.Message;
import dev.parley.testkit.contract.RecordingListener.Synced;
import dev.parley.testkit.contract.TestUsers.Client;
import dev.parley.testkit.contract.TestUsers.Device;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Contract: the offline queue. Messages for a user with no connected device are kept and delivered
 * in order when a device connects, before newer live traffic of the same conversation; a push
 * notification (here the webhook provider) wakes the device without carrying the message text.
 */
public abstract class OfflineContract extends ContractSupport {
    /** The webhook signing secret every deployment under test configures ({@code push.webhook.secret}). */
    public static final String WEBHOOK_SECRET = "contract-webhook-secret";
    /** The per-device push interval every deployment under test configures ({@code push.minIntervalSeconds}). */
    public static final int PUSH_MIN_INTERVAL_SECONDS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void backlogArrivesInOrderExactlyOnceBeforeLiveTraffic() {
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        String conv = join(a.sdk().openDirect(bDevice.name())).conv();
        List<String> offline = bodies("offline", 200);
        List<Sent> backlog = sendAll(a, conv, offline);
        assertThat(backlog).extracting(Sent::seq).containsExactlyElementsOf(range(1, 200));

        // Live traffic starts the moment B's connection is up, racing with the delivery of the backlog.
        List<String> live = bodies("live", 20);
        List<CompletableFuture<Sent>> liveSends = Collections.synchronizedList(new ArrayList<>());
        RecordingListener bEvents = new RecordingListener().onEvent(e -> {
            if (e instanceof RecordingListener.Connected && liveSends.isEmpty()) {
                for (String body : live) {
                    liveSends.add(a.sdk().send(conv, body));
                }
            }
        });
        Client b = users.connect(bDevice, bDevice.server(), CursorStore.inMemory(), bEvents);
        eventually().until(() -> liveSends.size() == live.size());
        List<Long> liveSeqs = liveSends.stream().map(f -> join(f).seq()).toList();
        assertThat(liveSeqs).containsExactlyElementsOf(range(201, 220));

        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(220));
        quietPeriod();
        List<MessageView> got = b.events().messages(conv);
        assertThat(got).extracting(MessageView::seq).as("every message once, in conversation order")
                .containsExactlyElementsOf(range(1, 220));
        assertThat(got).extracting(MessageView::body)
                .containsExactlyElementsOf(Stream.concat(offline.stream(), live.stream()).toList());
        for (int i = 0; i < 200; i++) {
            assertThat(got.get(i).msgId()).isEqualTo(backlog.get(i).msgId());
        }

        // synced comes after the whole backlog that existed when B connected, and its head covers it.
        List<Object> timeline = b.events().timeline();
        int syncedAt = indexOf(timeline, e -> e instanceof Synced);
        int lastBacklogAt = indexOf(timeline, e -> e instanceof Message m && m.message().conv().equals(conv)
                && m.message().seq() == 200);
        assertThat(syncedAt).as("synced arrived").isNotNegative();
        assertThat(lastBacklogAt).as("the backlog precedes synced").isLessThan(syncedAt);
        long head = ((Synced) timeline.get(syncedAt)).head();
        long lastBacklogCursor = ((Message) timeline.get(lastBacklogAt)).cursor();
        assertThat(head).as("synced head covers the backlog").isGreaterThanOrEqualTo(lastBacklogCursor);
        List<Long> cursors = b.events().all(Message.class).stream().map(Message::cursor).toList();
        assertThat(cursors).as("cursors strictly increase").isSorted().doesNotHaveDuplicates();
    }

    @Test
    void webhookPushWakesEveryDeviceOfAnOfflineUserPrivatelySignedAndCoalesced() throws Exception {
        Map<String, BlockingQueue<Push>> hooks = new java.util.concurrent.ConcurrentHashMap<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                hooks.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new LinkedBlockingQueue<>())
                        .add(new Push(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                                exchange.getRequestHeaders().getFirst("X-Parley-Timestamp"),
                                exchange.getRequestHeaders().getFirst("X-Parley-Signature"), in.readAllBytes()));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        try {
            String base = "http://127.0.0.1:" + hook.getAddress().getPort();
            TestUsers.User bob = users.register("bob");
            Device phone = users.login(bob);
            Device tablet = users.login(bob);
            String phonePath = "/push/" + TestUsers.uniqueName("phone");
            String tabletPath = "/push/" + TestUsers.uniqueName("tablet");
            join(users.rest(phone).setPushTarget(phone.token(), "webhook", base + phonePath));
            join(users.rest(tablet).setPushTarget(tablet.token(), "webhook", base + tabletPath));
            Client a = users.newClient("alice");
            String conv = join(a.sdk().openDirect(bob.name())).conv();
            String secret = "the launch code is " + TestUsers.uniqueName("secret");

            // a burst of 30 messages to an offline user, pipelined
            join(a.sdk().send(conv, secret, null, "push-1"));
            List<CompletableFuture<Sent>> burst = new java.util.ArrayList<>();
            for (int i = 2; i <= 30; i++) {
                burst.add(a.sdk().send(conv, secret + " " + i));
            }
            burst.forEach(ContractSupport::join);

            for (Device d : List.of(phone, tablet)) {
                String path = d == phone ? phonePath : tabletPath;
                Push push = hooks.computeIfAbsent(path, k -> new LinkedBlockingQueue<>())
                        .poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(push).as("a push to %s within %s", d, TIMEOUT).isNotNull();
                assertThat(push.method()).isEqualTo("POST");
                assertThat(push.contentType()).startsWith("application/json");
                assertThat(push.signature()).as("signed with the configured secret")
                        .isEqualTo("sha256=" + hmacSha256(WEBHOOK_SECRET, push.timestamp() + ".", push.body()));
                String text = new String(push.body(), StandardCharsets.UTF_8);
                assertThat(text).as("private by default: no text, no sender").doesNotContain("launch code")
                        .doesNotContain(a.name()).doesNotContain(conv);
                JsonNode json = JSON.readTree(push.body());
                assertThat(json.path("parley").asText()).isEqualTo("sync");
                assertThat(json.path("user").asText()).isEqualTo(bob.name());
                assertThat(json.path("device").asText()).isEqualTo(d.id());
            }
            // the burst is coalesced: one push per device per interval (a slow burst may span two)
            Thread.sleep(Duration.ofSeconds(PUSH_MIN_INTERVAL_SECONDS).plusSeconds(1).toMillis());
            assertThat(hooks.get(phonePath).size()).as("30 messages, at most 3 pushes to the phone").isLessThanOrEqualTo(2);
            assertThat(hooks.get(tabletPath).size()).as("30 messages, at most 3 pushes to the tablet").isLessThanOrEqualTo(2);
            Thread.sleep(Duration.ofSeconds(PUSH_MIN_INTERVAL_SECONDS).toMillis());
            hooks.get(phonePath).clear();
            hooks.get(tabletPath).clear();

            // One message, once the rate-limit window has passed: exactly one push per device, whichever
            // server stored it (in scale-out mode each push is sent by one server).
            join(a.sdk().send(conv, "one more"));
            for (String path : List.of(phonePath, tabletPath)) {
                assertThat(hooks.get(path).poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("a push to %s", path)
                        .isNotNull();
            }
            Thread.sleep(Duration.ofSeconds(PUSH_MIN_INTERVAL_SECONDS).plusSeconds(1).toMillis());
            assertThat(hooks.get(phonePath)).as("one message, one push to the phone").isEmpty();
            assertThat(hooks.get(tabletPath)).as("one message, one push to the tablet").isEmpty();

            // A retried send is no new message: no push.
            assertThat(join(a.sdk().send(conv, secret, null, "push-1")).duplicate()).isTrue();
            // Once a device of the user is online, nobody is woken.
            users.connect(phone);
            join(a.sdk().send(conv, "you are online"));
            Thread.sleep(Duration.ofSeconds(PUSH_MIN_INTERVAL_SECONDS).plusSeconds(1).toMillis());
            assertThat(hooks.get(phonePath)).as("no more pushes to the phone").isEmpty();
            assertThat(hooks.get(tabletPath)).as("no more pushes to the tablet").isEmpty();
        } finally {
            hook.stop(0);
        }
    }

    private static String hmacSha256(String key, String prefix, byte[] body) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(prefix.getBytes(StandardCharsets.US_ASCII));
        return java.util.HexFormat.of().formatHex(mac.doFinal(body));
    }

    private record Push(String method, String contentType, String timestamp, String signature, byte[] body) {
    }

    @Test
    void aDeviceResumesFromItsCursorWithoutLossOrRepeats() {
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        CursorStore bCursor = CursorStore.inMemory();
        Client b = users.connect(bDevice, bCursor);
        String conv = direct(a, b);
        sendAll(a, conv, bodies("first", 30));
        eventually().untilAsserted(() -> assertThat(b.events().messages(conv)).hasSize(30));
        b.sdk().close();
        long cursor = bCursor.load();
        assertThat(cursor).as("the cursor of the handled events was saved").isPositive();

        sendAll(a, conv, bodies("second", 30));
        Client bAgain = users.connect(bDevice, bCursor);

        eventually().untilAsserted(() -> assertThat(bAgain.events().messages(conv)).hasSize(30));
        quietPeriod();
        assertThat(bAgain.events().seqs(conv)).containsExactlyElementsOf(range(31, 60));
        assertThat(bAgain.events().bodies(conv)).containsExactlyElementsOf(bodies("second", 30));
        assertThat(bAgain.events().all(Message.class)).allSatisfy(m -> assertThat(m.cursor()).isGreaterThan(cursor));
    }

    @Test
    void aStalledConnectionGetsEverythingInOrderOnceItReadsAgain() throws Exception {
        // The recipient's connection goes through a proxy that stops forwarding to it, with a small
        // window: the server's writes back up, so it must hold delivery back and resume it later
        // without losing, repeating or reordering anything, and without buffering without bound.
        int bodyBytes = Math.min(limits().maxBodyBytes(), 64 * 1024);
        int count = (int) Math.min(Math.max(limits().rateLimitBurst() / 2, 1), Math.max(64, (12L << 20) / bodyBytes));
        Client a = users.newClient("alice");
        Device bDevice = users.newDevice("bob");
        String conv = join(a.sdk().openDirect(bDevice.name())).conv();
        TcpProxy path = users.track(TcpProxy.start(bDevice.server(), 64 * 1024));
        RawSocket b = users.track(RawSocket.open(path.uri(), bDevice.token()));
        long heartbeatMs = Math.max(1, b.awaitType("welcome").path("heartbeatSeconds").asLong(60)) * 1000;
        JsonNode synced = b.request(RawSocket.frame("sync"));
        assertThat(synced.path("type").asText()).isEqualTo("synced");
        path.stall();
        // A stalled reader is still alive: it keeps sending heartbeats, as every client must.
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
        long every = Math.max(200, heartbeatMs / 4);
        pinger.scheduleWithFixedDelay(() -> b.send(RawSocket.frame("ping")), every, every, TimeUnit.MILLISECONDS);
        try {
            String filler = "x".repeat(bodyBytes - 16);
            List<String> bodies = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                bodies.add(String.format("%08d", i) + filler);
            }
            List<Sent> sent = sendAll(a, conv, bodies);
            assertThat(sent.get(count - 1).seq()).isEqualTo(count);
            int before = b.frames(0, f -> f.path("type").asText().equals("message")).size();

            path.unstall();
            eventually().untilAsserted(() -> assertThat(b.frames(0, f -> f.path("type").asText().equals("message")))
                    .hasSize(count));
            assertThat(before).as("the stall held delivery back").isLessThan(count);
            assertThat(b.isClosed()).as("a stalled reader that heartbeats is not dropped").isFalse();
            List<JsonNode> messages = b.frames(0, f -> f.path("type").asText().equals("message"));
            assertThat(messages).extracting(f -> f.path("message").path("seq").asLong())
                    .containsExactlyElementsOf(range(1, count));
            assertThat(messages).extracting(f -> f.path("message").path("body").asText())
                    .containsExactlyElementsOf(bodies);
        } finally {
            pinger.shutdownNow();
        }
    }

    private static int indexOf(List<Object> list, java.util.function.Predicate<Object> p) {
        for (int i = 0; i < list.size(); i++) {
            if (p.test(list.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
