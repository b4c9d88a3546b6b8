package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.TcpProxy;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/** Two and three people chatting in real browsers: messages, ticks up to read, typing, presence. */
class WebChatTest {
    @RegisterExtension
    static final WebServer SERVER = new WebServer();
    private static TcpProxy network;

    @BeforeAll
    static void network() throws Exception {
        Browser.requireChromium();
        network = SERVER.proxy();
    }

    @Test
    void twoBrowsersChatOneToOneAndTicksReachRead() throws Exception {
        try (Browser alice = Browser.open(network.uri()); Browser bob = Browser.open(network.uri())) {
            alice.register("alice");
            bob.register("bob");
            alice.newChat("bob");
            alice.waitFor(d -> alice.chatSubtitle().equals("online"));

            String hello = "Hello Bob 👋 — ça va? Привет, Γειά σου";
            alice.send(hello);
            alice.awaitMessage(hello);
            // Bob's browser is connected and acknowledges at once: delivered (✓✓), not yet read.
            alice.awaitStatus(hello, "delivered");

            bob.awaitUnread("alice", 1);
            assertThat(bob.preview("alice")).isEqualTo(hello);
            bob.screenshot("list-unread", false);
            bob.openConversation("alice");
            assertThat(bob.awaitMessage(hello).getAttribute("class")).doesNotContain("mine");
            alice.awaitStatus(hello, "read");
            bob.awaitUnread("alice", 0);

            // Typing shows on the other side while Bob types, and goes away when he sends.
            bob.type("typing a long answer");
            alice.waitFor(d -> alice.chatSubtitle().equals("typing…"));
            bob.byId("composer-input").clear();
            String longAnswer = "A long message that must wrap inside its bubble instead of widening the page: "
                    + "lorem ipsum dolor sit amet ".repeat(12)
                    + "and one unbroken word: " + "x".repeat(180);
            bob.send(longAnswer);
            alice.awaitMessage(longAnswer);
            alice.waitFor(d -> alice.chatSubtitle().equals("online"));
            bob.awaitStatus(longAnswer, "read"); // Alice has the conversation open and visible
            Number bubbleWidth = (Number) alice.js("return arguments[0].getBoundingClientRect().width",
                    alice.message(longAnswer));
            Number pageWidth = (Number) alice.js("return document.documentElement.clientWidth");
            assertThat(bubbleWidth.doubleValue()).isLessThan(pageWidth.doubleValue());
            assertThat((Boolean) alice.js("const m = document.getElementById('messages');"
                    + "return m.scrollWidth <= m.clientWidth")).isTrue();

            alice.send("See you tomorrow 🙂");
            bob.awaitMessage("See you tomorrow 🙂");
            alice.awaitStatus("See you tomorrow 🙂", "read");
            alice.screenshot("chat", true);
            bob.resize(390, 780);
            bob.awaitMessage("See you tomorrow 🙂");
            bob.screenshot("phone-chat", true);
            bob.backToList();
            bob.screenshot("phone-list", true);
        }
    }

    @Test
    void aGroupOfThreeSeesTicksPerMemberAndTheAggregateReachesRead() throws Exception {
        try (Browser carol = Browser.open(network.uri()); Browser dave = Browser.open(network.uri());
             Browser erin = Browser.open(network.uri())) {
            carol.register("carol");
            dave.register("dave");
            erin.register("erin");
            // Dave lets his contacts add him to groups (the default) and has Carol among them.
            dave.addContact("carol");
            carol.newGroup("Trip to Lisbon", "dave");
            // Erin has not said Carol may add her: the dialog says so, and why.
            carol.byId("add-members").click();
            carol.byId("add-users").sendKeys("erin", org.openqa.selenium.Keys.ENTER);
            carol.waitFor(d -> !carol.byId("add-error").getText().isBlank());
            assertThat(carol.byId("add-error").getText()).isEqualTo("erin is not letting you add them to groups. "
                    + "Ask them to add you to their contacts, or to allow everyone in their settings.");
            carol.screenshot("add-not-allowed", true);
            erin.setGroupAdd("everyone");
            carol.byId("form-add").submit();
            carol.waitFor(d -> carol.chatSubtitle().equals("you, dave, erin"));
            String plan = "Flights booked ✈️ for Friday";
            carol.send(plan);
            carol.awaitStatus(plan, "delivered"); // both others are online and acknowledge

            dave.openConversation("Trip to Lisbon");
            dave.awaitMessage(plan);
            // Only admins (Carol, who created the group) may add members.
            assertThat(dave.byId("add-members").isDisplayed()).isFalse();
            assertThat(carol.byId("add-members").isDisplayed()).isTrue();
            assertThat(dave.sender(plan)).isEqualTo("carol");
            // One of two has read: still ✓✓ grey; the per-member view says who.
            carol.waitFor(d -> carol.tickSummary(plan).contains("dave: read"));
            assertThat(carol.tickSummary(plan)).contains("erin: delivered");
            carol.clickTicks(plan);
            carol.waitFor(d -> carol.driver.findElements(By.cssSelector("#info-list li[data-user]")).size() == 2);
            assertThat(carol.byId("info-list").findElement(By.cssSelector("li[data-user='dave']"))
                    .getAttribute("data-status")).isEqualTo("read");
            assertThat(carol.byId("info-list").findElement(By.cssSelector("li[data-user='erin']"))
                    .getAttribute("data-status")).isEqualTo("delivered");
            carol.screenshot("group-info", true);
            carol.byId("dlg-info").findElement(By.cssSelector("button[type='submit']")).click();
            assertThat(carol.status(plan)).isEqualTo("delivered");

            erin.openConversation("Trip to Lisbon");
            erin.awaitMessage(plan);
            carol.awaitStatus(plan, "read");

            dave.send("I’ll bring the guidebook 📘");
            erin.awaitMessage("I’ll bring the guidebook 📘");
            carol.awaitMessage("I’ll bring the guidebook 📘");
            dave.awaitStatus("I’ll bring the guidebook 📘", "read");
            erin.send("Can't wait! 🎉");
            carol.awaitMessage("Can't wait! 🎉");
            carol.screenshot("group", true);

            erin.byId("leave-group").click();
            erin.driver.switchTo().alert().accept();
            erin.waitFor(d -> erin.conversationItem("Trip to Lisbon") == null);
            carol.waitFor(d -> carol.chatSubtitle().equals("you, dave"));
        }
    }

    @Test
    void lastSeenIsShownUnlessTheContactHidesIt() throws Exception {
        try (Browser frank = Browser.open(network.uri())) {
            frank.register("frank");
            try (Browser gina = Browser.open(network.uri()); Browser hank = Browser.open(network.uri());
                 Browser ivy = Browser.open(network.uri())) {
                gina.register("gina");
                hank.register("hank");
                ivy.register("ivy");
                frank.newChat("ivy");
                frank.newChat("hank");
                frank.newChat("gina");
                frank.waitFor(d -> frank.chatSubtitle().equals("online"));
                // Gina and Hank show their last seen to their contacts only; Gina has Frank among
                // hers (the star in the chat's header), Hank does not. Ivy shows it to everyone.
                for (Browser b : List.of(gina, hank)) {
                    b.openSettings();
                    new org.openqa.selenium.support.ui.Select(b.byId("privacy")).selectByValue("contacts");
                    b.waitFor(d -> "contacts".equals(b.js("return localStorage.getItem('parley.privacy.' + "
                            + "JSON.parse(localStorage.getItem('parley.session')).user)")));
                    b.closeSettings();
                }
                gina.openConversation("frank");
                assertThat(gina.byId("contact-toggle").getAttribute("aria-label")).isEqualTo("Add frank to contacts");
                gina.byId("contact-toggle").click();
                gina.waitFor(d -> "true".equals(gina.byId("contact-toggle").getAttribute("aria-pressed")));
                assertThat(gina.byId("contact-toggle").getAttribute("aria-label")).isEqualTo("Remove frank from contacts");
                gina.openSettings();
                assertThat(gina.contacts()).containsExactly("frank");
                gina.closeSettings();
            }
            // All three have closed their browsers. Frank's page subscribes again after a reload
            // (a change of the setting sends no event, so what he saw before is not corrected).
            frank.reload();
            frank.awaitOnline();
            frank.openConversation("ivy");
            frank.waitFor(d -> frank.chatSubtitle().startsWith("last seen today at "));
            frank.openConversation("gina");
            frank.waitFor(d -> frank.chatSubtitle().startsWith("last seen today at "));
            frank.openConversation("hank");
            frank.waitFor(d -> frank.chatSubtitle().isEmpty());
        }
    }

    @Test
    void everythingWorksFromTheKeyboardAndEveryControlHasAName() throws Exception {
        SERVER.sdkUser("lee", new dev.parley.client.ParleyListener() { });
        try (Browser kim = Browser.open(network.uri())) {
            kim.register("kim");
            kim.byId("new-chat").sendKeys(org.openqa.selenium.Keys.ENTER);
            kim.waitFor(d -> "chat-user".equals(active(kim)));
            keys(kim, "lee", org.openqa.selenium.Keys.ENTER);
            kim.waitFor(d -> "composer-input".equals(active(kim)));
            new org.openqa.selenium.interactions.Actions(kim.driver).sendKeys("line one")
                    .keyDown(org.openqa.selenium.Keys.SHIFT).sendKeys(org.openqa.selenium.Keys.ENTER)
                    .keyUp(org.openqa.selenium.Keys.SHIFT).sendKeys("line two", org.openqa.selenium.Keys.ENTER).perform();
            kim.awaitMessage("line one\nline two");
            keys(kim, org.openqa.selenium.Keys.ESCAPE);
            kim.waitFor(d -> (Boolean) kim.js("return document.activeElement.closest('#conv-list') !== null"));
            keys(kim, org.openqa.selenium.Keys.ENTER);
            kim.waitFor(d -> kim.byId("chat-open").isDisplayed() && "composer-input".equals(active(kim)));

            // Every control a screen reader meets has a name, every field a label.
            @SuppressWarnings("unchecked")
            java.util.List<String> unnamed = (java.util.List<String>) kim.js("return ["
                    + "...[...document.querySelectorAll('button')].filter(b => !(b.getAttribute('aria-label') || b.textContent.trim()))"
                    + "  .map(b => 'button ' + b.outerHTML),"
                    + "...[...document.querySelectorAll('input, textarea, select')].filter(i => i.labels.length === 0 && !i.getAttribute('aria-label'))"
                    + "  .map(i => 'field ' + i.outerHTML)]");
            assertThat(unnamed).isEmpty();
            assertThat(kim.byId("messages").getAttribute("role")).isEqualTo("log");
            assertThat(kim.byId("conn-status").getAttribute("role")).isEqualTo("status");
        }
    }

    /** Keys typed into whatever has the focus (the list may be drawn anew meanwhile: focus is kept, elements not). */
    private static void keys(Browser b, CharSequence... keys) {
        new org.openqa.selenium.interactions.Actions(b.driver).sendKeys(keys).perform();
    }

    private static String active(Browser b) {
        return b.driver.switchTo().activeElement().getAttribute("id");
    }
}
