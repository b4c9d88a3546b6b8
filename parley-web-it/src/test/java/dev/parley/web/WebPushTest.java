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

    /**
     * A push delivered to the service worker (through DevTools, as its "Push" button does; the
     * browser has no push service here) shows the notification: generic for the server's private
     * payload, the sender and body for a preview.
     */
    @Test
    void aPushShowsANotification() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.grantNotifications();
            b.register("ria");
            b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "navigator.serviceWorker.ready.then(() => done(true));");
            String origin = (String) b.js("return location.origin");
            String privatePush = "{\"parley\":\"sync\"}";
            // Delivered again at each look until shown: a push that reaches the worker while it
            // is still starting may be lost, and a push service would retry too.
            b.waitFor(d -> {
                deliverPush(b, origin, privatePush);
                return notifications(b).contains("New messages|Open Parley to read them.");
            });
            String preview = "{\"parley\":\"sync\",\"conv\":\"d:ria:sam\",\"sender\":\"sam\","
                    + "\"body\":\"are you there?\",\"count\":1}";
            // One tag: the newer notification replaces the older one.
            b.waitFor(d -> {
                deliverPush(b, origin, preview);
                return notifications(b).equals(java.util.List.of("sam|are you there?"));
            });
        }
    }

    /**
     * Delivers {@code data} to the page's service worker registration. DevTools names it by an id
     * that only its events tell (Selenium's CDP call does not receive them); in a fresh profile
     * the first registration gets a small one, so the few first ids are tried (there is no other
     * registration a push could reach).
     */
    private static void deliverPush(Browser b, String origin, String data) {
        b.driver.executeCdpCommand("ServiceWorker.enable", Map.of());
        int delivered = 0;
        for (int id = 0; id < 5; id++) {
            try {
                b.driver.executeCdpCommand("ServiceWorker.deliverPushMessage",
                        Map.of("origin", origin, "registrationId", Integer.toString(id), "data", data));
                delivered++;
            } catch (org.openqa.selenium.WebDriverException noSuchRegistration) {
                // not this id
            }
        }
        assertThat(delivered).as("registrations that took the push").isPositive();
    }

    @SuppressWarnings("unchecked")
    private static java.util.List<String> notifications(Browser b) {
        return (java.util.List<String>) b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "navigator.serviceWorker.ready.then(r => r.getNotifications())"
                + ".then(ns => done(ns.map(n => n.title + '|' + n.body)), e => done([String(e)]));");
    }
}
