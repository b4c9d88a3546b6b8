package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.testkit.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The browser as a phone: it loses its network, keeps what is typed in its outbox, comes back and
 * sends every message exactly once (the server and the person on the other side see one copy);
 * a reload shows the chats at once from IndexedDB, unread counts included, and then syncs only
 * what is new.
 */
class WebOfflineTest {
    @RegisterExtension
    static final WebServer SERVER = new WebServer();

    @BeforeAll
    static void chromium() {
        Browser.requireChromium();
    }

    /** An SDK user who records every message delivered to it. */
    private static final class Recorder implements ParleyListener {
        final List<MessageView> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(MessageView message, long cursor) {
            messages.add(message);
        }

        long received(String body) {
            return messages.stream().filter(m -> m.body().equals(body)).count();
        }
    }

    private static List<MessageView> history(ParleyClient client, String conv) throws Exception {
        return client.history(conv, HistoryRequest.latest(100)).get(10, TimeUnit.SECONDS).messages();
    }

    private static long stored(List<MessageView> history, String body) {
        return history.stream().filter(m -> m.body().equals(body)).count();
    }

    @Test
    void messagesTypedOfflineAreSentOnceWhenTheNetworkIsBack() throws Exception {
        Recorder olgaSees = new Recorder();
        ParleyClient olga = SERVER.sdkUser("olga", olgaSees);
        TcpProxy pavelsNetwork = SERVER.proxy();
        try (Browser pavel = Browser.open(pavelsNetwork.uri())) {
            pavel.register("pavel");
            pavel.newChat("olga");
            pavel.send("before the tunnel");
            pavel.awaitStatus("before the tunnel", "delivered");

            WebServer.cut(pavelsNetwork);
            pavel.awaitConnection("connecting");
            assertThat(pavel.connectionText()).startsWith("Connecting…");
            pavel.waitFor(d -> pavel.chatSubtitle().isEmpty()); // olga's presence is unknown now
            pavel.send("typed in the tunnel");
            pavel.send("still in the tunnel 🚇");
            assertThat(pavel.status("typed in the tunnel")).isEqualTo("pending");
            assertThat(pavel.status("still in the tunnel 🚇")).isEqualTo("pending");
            pavel.screenshot("offline", true);
            Thread.sleep(1_500); // a few failed reconnects: nothing may be sent, nothing lost
            assertThat(olgaSees.received("typed in the tunnel")).isZero();

            SERVER.restore(pavelsNetwork);
            pavel.awaitOnline();
            pavel.waitFor(d -> pavel.chatSubtitle().equals("online")); // subscribed again
            pavel.awaitStatus("typed in the tunnel", "delivered");
            pavel.awaitStatus("still in the tunnel 🚇", "delivered");
            await().atMost(Duration.ofSeconds(10)).until(() -> olgaSees.received("still in the tunnel 🚇") == 1);

            List<MessageView> history = history(olga, "d:olga:pavel");
            assertThat(history).extracting(MessageView::body)
                    .containsExactly("before the tunnel", "typed in the tunnel", "still in the tunnel 🚇");
            assertThat(history).extracting(MessageView::clientMsgId).doesNotHaveDuplicates();
            assertThat(olgaSees.received("typed in the tunnel")).isEqualTo(1);
            assertThat(pavel.count("typed in the tunnel")).isEqualTo(1);
        }
    }

    @Test
    void aSendWhoseReplyWasLostIsResentWithTheSameIdAndStoredOnce() throws Exception {
        Recorder quinnSees = new Recorder();
        ParleyClient quinn = SERVER.sdkUser("quinn", quinnSees);
        TcpProxy ritasNetwork = SERVER.proxy();
        try (Browser rita = Browser.open(ritasNetwork.uri())) {
            rita.register("rita");
            rita.newChat("quinn");
            rita.send("first");
            rita.awaitStatus("first", "delivered");

            // The server's answers stop reaching Rita. The typing event that Quinn sends now is
            // the last thing through (the proxy holds everything after it).
            ritasNetwork.stall();
            quinn.typing("d:quinn:rita", true).get(5, TimeUnit.SECONDS);
            rita.waitFor(d -> rita.chatSubtitle().equals("typing…"));
            quinn.typing("d:quinn:rita", false).get(5, TimeUnit.SECONDS);

            rita.send("the reply to this is lost");
            await().atMost(Duration.ofSeconds(10)).until(() -> quinnSees.received("the reply to this is lost") == 1);
            assertThat(rita.status("the reply to this is lost")).isEqualTo("pending");
            String clientMsgId = quinnSees.messages.stream()
                    .filter(m -> m.body().equals("the reply to this is lost")).findFirst().orElseThrow().clientMsgId();

            WebServer.cut(ritasNetwork);
            ritasNetwork.unstall();
            rita.awaitConnection("connecting");
            SERVER.restore(ritasNetwork);
            rita.awaitOnline();
            rita.awaitStatus("the reply to this is lost", "delivered");

            List<MessageView> history = history(quinn, "d:quinn:rita");
            assertThat(stored(history, "the reply to this is lost")).isEqualTo(1);
            assertThat(history).extracting(MessageView::clientMsgId).doesNotHaveDuplicates().contains(clientMsgId);
            assertThat(rita.count("the reply to this is lost")).isEqualTo(1);
            Thread.sleep(500); // a duplicate would arrive right after the resend
            assertThat(quinnSees.received("the reply to this is lost")).isEqualTo(1);
        }
    }

    @Test
    void aReloadShowsHistoryAndUnreadCountsBeforeConnectingAndThenSyncsWhatIsNew() throws Exception {
        ParleyClient sam = SERVER.sdkUser("sam", new Recorder());
        TcpProxy network = SERVER.proxy();
        try (Browser tess = Browser.open(network.uri())) {
            tess.register("tess");
            tess.newChat("sam");
            tess.send("are you there?");
            tess.backToList();
            String conv = "d:sam:tess";
            for (int i = 1; i <= 3; i++) {
                sam.send(conv, "answer " + i + " ✅").get(5, TimeUnit.SECONDS);
            }
            tess.awaitUnread("sam", 3);
            tess.waitFor(d -> tess.storedMessages() == 4); // written in batches of 100 ms

            // Reload with the WebSocket blocked: the list, the messages and the unread count come
            // from IndexedDB alone.
            tess.blockWebSocketsFromNextLoad();
            tess.reload();
            tess.awaitConnection("connecting");
            tess.awaitUnread("sam", 3);
            assertThat(tess.preview("sam")).isEqualTo("answer 3 ✅");
            tess.screenshot("reload-offline", false);

            // Back online, it syncs after its stored cursor: only the new message arrives.
            tess.unblockWebSockets();
            tess.awaitOnline();
            sam.send(conv, "answer 4 ✅").get(5, TimeUnit.SECONDS);
            tess.awaitUnread("sam", 4);
            tess.openConversation("sam");
            for (String body : List.of("are you there?", "answer 1 ✅", "answer 2 ✅", "answer 3 ✅", "answer 4 ✅")) {
                assertThat(tess.awaitMessage(body)).isNotNull();
                assertThat(tess.count(body)).isEqualTo(1);
            }
            tess.awaitUnread("sam", 0);
            tess.type("a draft, not sent ✏️");
            tess.reload();
            tess.awaitOnline();
            tess.awaitUnread("sam", 0);
            tess.openConversation("sam");
            assertThat(tess.byId("composer-input").getAttribute("value")).isEqualTo("a draft, not sent ✏️");
        }
    }

    @Test
    void scrollingBackLoadsEarlierHistoryInPages() throws Exception {
        ParleyClient uma = SERVER.sdkUser("uma", new Recorder());
        TcpProxy network = SERVER.proxy();
        try (Browser vera = Browser.open(network.uri())) {
            vera.register("vera");
            vera.setGroupAdd("everyone"); // Uma is not in her contacts
            // A group with 75 messages from before Vera joined: her inbox has none of them, the
            // history has all.
            String conv = uma.createGroup("Archive", List.of()).get(5, TimeUnit.SECONDS).conv();
            for (int i = 1; i <= 75; i++) {
                uma.send(conv, "old message " + i).get(5, TimeUnit.SECONDS);
            }
            uma.addMembers(conv, List.of("vera")).get(5, TimeUnit.SECONDS);
            vera.openConversation("Archive");
            vera.awaitMessage("old message 75");
            assertThat(vera.message("old message 1")).isNull(); // only the newest page so far
            for (int page = 0; page < 40 && vera.message("old message 1") == null; page++) {
                vera.js("const m = document.getElementById('messages'); m.scrollTop = 0;"
                        + "m.dispatchEvent(new Event('scroll'));");
                Thread.sleep(250);
            }
            vera.awaitMessage("old message 1");
            for (int i = 1; i <= 75; i++) {
                assertThat(vera.count("old message " + i)).as("message %d", i).isEqualTo(1);
            }
        }
    }

    @Test
    void messagesQueuedForAGroupOneWasRemovedFromAreDroppedWithAnExplanation() throws Exception {
        ParleyClient mona = SERVER.sdkUser("mona", new Recorder());
        TcpProxy ninasNetwork = SERVER.proxy();
        try (Browser nina = Browser.open(ninasNetwork.uri())) {
            nina.register("nina");
            nina.addContact("mona"); // contacts may add her to groups (the default groupAdd)
            String conv = mona.createGroup("Club", List.of("nina")).get(5, TimeUnit.SECONDS).conv();
            nina.openConversation("Club");
            WebServer.cut(ninasNetwork);
            nina.awaitConnection("connecting");
            nina.send("am I still in?");
            assertThat(nina.status("am I still in?")).isEqualTo("pending");
            mona.removeMember(conv, "nina").get(5, TimeUnit.SECONDS);

            SERVER.restore(ninasNetwork);
            nina.awaitOnline();
            nina.waitFor(d -> nina.conversationItem("Club") == null);
            nina.waitFor(d -> nina.byId("banner").isDisplayed());
            assertThat(nina.byId("banner").getText()).contains("You are no longer in “Club”; 1 unsent message was not sent.");
            assertThat(history(mona, conv)).extracting(MessageView::body).doesNotContain("am I still in?");
            nina.reload();
            nina.awaitOnline();
            assertThat(nina.conversationItem("Club")).isNull();
        }
    }

    @Test
    void aMessageTypedWhileTheOneBeforeAwaitsItsReplyFollowsIt() throws Exception {
        Recorder xavierSees = new Recorder();
        ParleyClient xavier = SERVER.sdkUser("xavier", xavierSees);
        TcpProxy network = SERVER.proxy();
        try (Browser yves = Browser.open(network.uri())) {
            yves.register("yves");
            yves.newChat("xavier");
            // Answers to Yves are held back (the typing event is the last one through).
            network.stall();
            xavier.typing("d:xavier:yves", true).get(5, TimeUnit.SECONDS);
            yves.waitFor(d -> yves.chatSubtitle().equals("typing…"));
            yves.send("one");
            await().atMost(Duration.ofSeconds(10)).until(() -> xavierSees.received("one") == 1);
            yves.send("two"); // typed while "one" waits for its reply
            network.unstall();
            yves.awaitStatus("two", "delivered");
            await().atMost(Duration.ofSeconds(10)).until(() -> xavierSees.received("two") == 1);
            assertThat(history(xavier, "d:xavier:yves")).extracting(MessageView::body).containsExactly("one", "two");
        }
    }

    @Test
    void afterAReloadHistoryOlderThanWhatIsKeptCanBePagedInAgain() throws Exception {
        ParleyClient otto = SERVER.sdkUser("otto", new Recorder());
        TcpProxy network = SERVER.proxy();
        try (Browser wim = Browser.open(network.uri())) {
            wim.register("wim");
            wim.setGroupAdd("everyone");
            String conv = otto.createGroup("Long story", List.of()).get(5, TimeUnit.SECONDS).conv();
            for (int i = 1; i <= 20; i++) {
                otto.send(conv, "early " + i).get(5, TimeUnit.SECONDS);
            }
            otto.addMembers(conv, List.of("wim")).get(5, TimeUnit.SECONDS);
            wim.openConversation("Long story");
            wim.awaitMessage("early 1"); // the whole history fits one page: nothing older is left
            wim.backToList();
            for (int i = 1; i <= 200; i++) {
                otto.send(conv, "later " + i).get(5, TimeUnit.SECONDS);
            }
            wim.waitFor(d -> "otto: later 200".equals(wim.preview("Long story")));
            wim.waitFor(d -> wim.storedMessages() == 200); // the newest 200 are kept, "early" ones are not

            wim.reload();
            wim.awaitOnline();
            wim.openConversation("Long story");
            wim.awaitMessage("later 200");
            for (int page = 0; page < 40 && wim.message("early 1") == null; page++) {
                wim.js("const m = document.getElementById('messages'); m.scrollTop = 0;"
                        + "m.dispatchEvent(new Event('scroll'));");
                Thread.sleep(250);
            }
            wim.awaitMessage("early 1");
        }
    }
}
