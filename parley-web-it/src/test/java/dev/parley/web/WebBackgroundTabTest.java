package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WindowType;

/**
 * A conversation is marked read only while it is open and the tab is visible; a message that
 * arrives while the tab is in the background raises a notification instead.
 */
class WebBackgroundTabTest {
    @RegisterExtension
    static final WebServer SERVER = new WebServer();

    @BeforeAll
    static void chromium() {
        Browser.requireChromium();
    }

    @Test
    void aBackgroundTabNotifiesAndMarksReadOnlyWhenShownAgain() throws Exception {
        List<ReceiptEvent> receipts = new CopyOnWriteArrayList<>();
        ParleyClient jack = SERVER.sdkUser("jack", new ParleyListener() {
            @Override
            public void onReceipt(ReceiptEvent receipt) {
                receipts.add(receipt);
            }
        });
        try (Browser ivy = Browser.open(SERVER.proxy().uri())) {
            ivy.register("ivy");
            ivy.recordNotifications();
            ivy.reload();
            ivy.awaitOnline();
            ivy.newChat("jack");
            String conv = "d:ivy:jack";
            long first = jack.send(conv, "in the foreground").get(5, TimeUnit.SECONDS).seq();
            await().atMost(Duration.ofSeconds(10)).until(() -> readUpTo(receipts) >= first);
            assertThat(notifications(ivy)).isEmpty(); // visible: no notification

            String chatTab = ivy.driver.getWindowHandle();
            ivy.driver.switchTo().newWindow(WindowType.TAB);
            ivy.driver.get("about:blank");
            long second = jack.send(conv, "while you were away 🌙").get(5, TimeUnit.SECONDS).seq();
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveredUpTo(receipts) >= second);
            Thread.sleep(1_000); // a read would follow the delivery at once
            assertThat(readUpTo(receipts)).isEqualTo(first);

            ivy.driver.close();
            ivy.driver.switchTo().window(chatTab);
            assertThat(notifications(ivy)).containsExactly(Map.of("title", "jack", "body", "while you were away 🌙"));
            await().atMost(Duration.ofSeconds(10)).until(() -> readUpTo(receipts) >= second);
        }
    }

    private static long readUpTo(List<ReceiptEvent> receipts) {
        return receipts.stream().filter(r -> r.user().equals("ivy") && r.status().equals("read"))
                .mapToLong(ReceiptEvent::upTo).max().orElse(0);
    }

    private static long deliveredUpTo(List<ReceiptEvent> receipts) {
        return receipts.stream().filter(r -> r.user().equals("ivy")).mapToLong(ReceiptEvent::upTo).max().orElse(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> notifications(Browser b) {
        return (List<Map<String, Object>>) b.js("return window.parleyTestNotifications || []");
    }
}
