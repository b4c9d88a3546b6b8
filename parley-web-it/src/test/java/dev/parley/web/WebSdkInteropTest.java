package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A Java SDK user and a browser user talk to each other: messages, typing and receipts both ways. */
class WebSdkInteropTest {
    @RegisterExtension
    static final WebServer SERVER = new WebServer();

    @BeforeAll
    static void chromium() {
        Browser.requireChromium();
    }

    @Test
    void anSdkUserAndABrowserUserChat() throws Exception {
        List<MessageView> javaSees = new CopyOnWriteArrayList<>();
        List<ReceiptEvent> javaReceipts = new CopyOnWriteArrayList<>();
        ParleyClient java = SERVER.sdkUser("java", new ParleyListener() {
            @Override
            public void onMessage(MessageView message, long cursor) {
                javaSees.add(message);
            }

            @Override
            public void onReceipt(ReceiptEvent receipt) {
                javaReceipts.add(receipt);
            }
        });
        try (Browser web = Browser.open(SERVER.proxy().uri())) {
            web.register("web");
            web.newChat("java");
            web.send("Hi from the browser 🌐");
            await().atMost(Duration.ofSeconds(10)).until(() -> javaSees.stream()
                    .anyMatch(m -> m.body().equals("Hi from the browser 🌐") && m.from().equals("web")));
            MessageView fromWeb = javaSees.stream().filter(m -> m.from().equals("web")).findFirst().orElseThrow();
            assertThat(fromWeb.conv()).isEqualTo("d:java:web");
            assertThat(fromWeb.clientMsgId()).startsWith("web-");
            web.awaitStatus("Hi from the browser 🌐", "delivered"); // the SDK acknowledges what it receives
            java.markRead(fromWeb.conv(), fromWeb.seq()).get(5, TimeUnit.SECONDS);
            web.awaitStatus("Hi from the browser 🌐", "read");

            java.typing(fromWeb.conv(), true).get(5, TimeUnit.SECONDS);
            web.waitFor(d -> web.chatSubtitle().equals("typing…"));
            long seq = java.send(fromWeb.conv(), "Hi from Java ☕").get(5, TimeUnit.SECONDS).seq();
            web.awaitMessage("Hi from Java ☕");
            web.waitFor(d -> web.chatSubtitle().equals("online")); // a message ends the typing indicator
            // The browser has the conversation open and visible: it marks the message read.
            await().atMost(Duration.ofSeconds(10)).until(() -> javaReceipts.stream().anyMatch(
                    r -> r.user().equals("web") && r.status().equals("read") && r.upTo() >= seq));

            // Typed faster than the server answers: each one is sent, once, in the order typed.
            for (int i = 1; i <= 5; i++) {
                web.byId("composer-input").sendKeys("quick " + i, org.openqa.selenium.Keys.ENTER);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> javaSees.stream().filter(m -> m.from().equals("web")).count() == 6);
            assertThat(javaSees.stream().filter(m -> m.from().equals("web")).map(MessageView::body).toList())
                    .containsExactly("Hi from the browser 🌐", "quick 1", "quick 2", "quick 3", "quick 4", "quick 5");
            web.awaitStatus("quick 5", "delivered");
            web.screenshot("sdk-chat", false);
        }
    }

    /**
     * Membership events carry only the change: the browser applies a new name at once and
     * fetches members and admins with get_conversation, so what it shows follows the SDK
     * admin's renames, additions and promotions.
     */
    @Test
    void groupChangesMadeElsewhereShowInTheBrowser() throws Exception {
        ParleyClient boss = SERVER.sdkUser("boss", new ParleyListener() { });
        SERVER.sdkUser("temp", new ParleyListener() { }).addContact("boss").get(5, TimeUnit.SECONDS);
        try (Browser web = Browser.open(SERVER.proxy().uri())) {
            web.register("webby");
            web.addContact("boss"); // boss may add webby to groups (the default groupAdd: contacts)
            String conv = boss.createGroup("Draft", List.of("webby")).get(5, TimeUnit.SECONDS).conv();
            web.openConversation("Draft");
            assertThat(web.chatSubtitle()).isEqualTo("boss, you");
            assertThat(web.byId("add-members").isDisplayed()).isFalse(); // not an admin

            boss.renameGroup(conv, "Final plan").get(5, TimeUnit.SECONDS);
            web.waitFor(d -> "Final plan".equals(web.byId("chat-title").getText()));
            boss.addMembers(conv, List.of("temp")).get(5, TimeUnit.SECONDS);
            web.waitFor(d -> web.chatSubtitle().equals("boss, you, temp"));
            boss.promoteAdmin(conv, "webby").get(5, TimeUnit.SECONDS);
            web.waitFor(d -> web.byId("add-members").isDisplayed());

            web.reload(); // what the browser kept agrees with the server
            web.awaitOnline();
            web.openConversation("Final plan");
            assertThat(web.chatSubtitle()).isEqualTo("boss, you, temp");
            assertThat(web.byId("add-members").isDisplayed()).isTrue();
        }
    }
}
