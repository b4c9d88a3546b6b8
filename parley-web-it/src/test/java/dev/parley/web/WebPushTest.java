package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "Notifications when closed" (Web Push) against a server that sends Web Push. What runs for
 * real: the service worker registers and takes control, the page gets the server's VAPID key,
 * and the settings toggle asks the browser's push service for a subscription. Headless Chromium
 * here has no push service to reach (no network, no Google services), so the subscription
 * fails; the test checks that the page then says so and registers nothing. Where a push service
 * answers, the same test checks that the subscription was registered instead.
 */
class WebPushTest {
    @RegisterExtension
    static final WebServer SERVER = WebServer.withWebPush();

    @BeforeAll
    static void chromium() {
        Browser.requireChromium();
    }

    @Test
    void theServiceWorkerIsActiveAndTheToggleSubscribesOrSaysWhyNot() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.register("pia");
            @SuppressWarnings("unchecked")
            Map<String, Object> worker = (Map<String, Object>) b.driver.executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                    + "navigator.serviceWorker.ready.then(r => done({scope: r.scope, state: r.active.state,"
                    + "  script: r.active.scriptURL}), e => done({error: String(e)}));");
            String base = (String) b.js("return location.origin + '/'");
            assertThat(worker).containsEntry("scope", base).containsEntry("state", "activated")
                    .containsEntry("script", base + "sw.js");

            @SuppressWarnings("unchecked")
            Map<String, Object> key = (Map<String, Object>) b.driver.executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                    + "fetch('/v1/push/webpush-key').then(r => r.json().then(j => done({status: r.status, key: j.publicKey})));");
            assertThat(key).containsEntry("status", 200L).containsEntry("key", SERVER.webPushPublicKey());

            b.grantNotifications();
            b.openSettings();
            assertThat(b.byId("push-toggle").isSelected()).isFalse();
            b.byId("push-toggle").click();
            b.waitFor(d -> !b.byId("settings-error").getText().isBlank() || b.byId("push-hint").getText()
                    .startsWith("A notification says when new messages arrive"));
            boolean subscribed = (Boolean) b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription()).then(s => done(s !== null));");
            b.screenshot("push-setting", true);
            if (subscribed) {
                // A push service answered: the server took the subscription (a refusal would show).
                assertThat(b.byId("settings-error").getText()).isEmpty();
                assertThat(b.byId("push-toggle").isSelected()).isTrue();
            } else {
                assertThat(b.byId("settings-error").getText())
                        .startsWith("This browser could not subscribe to notifications: its push service did not answer");
                b.waitFor(d -> !b.byId("push-toggle").isSelected());
            }
        }
    }
}
