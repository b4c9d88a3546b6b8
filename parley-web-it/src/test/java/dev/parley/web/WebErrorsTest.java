package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import dev.parley.testkit.TcpProxy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;

/** Bad input and failures are shown to the person, in words, where they happened. */
class WebErrorsTest {
    /** A small body limit, so that a too long message is cheap to type. */
    @RegisterExtension
    static final WebServer SERVER = new WebServer(2_048);

    @BeforeAll
    static void chromium() {
        Browser.requireChromium();
    }

    @Test
    void theFirstScreenExplainsWhatIsWrong() throws Exception {
        TcpProxy network = SERVER.proxy();
        try (Browser b = Browser.open(network.uri())) {
            b.screenshot("login", false);
            b.submitAuth("tab-register", "Bad Name", Browser.PASSWORD);
            assertThat(b.authError()).startsWith("Usernames are 3 to 32 characters");
            b.submitAuth("tab-register", "wendy", "short");
            assertThat(b.authError()).isEqualTo("Passwords are 8 to 128 characters long.");
            b.submitAuth("tab-register", "wendy", "password1"); // long enough, but on the server's list
            b.waitFor(d -> b.authError().startsWith("That password is too easy to guess"));

            b.register("wendy");
            b.byId("settings").click();
            b.byId("logout").click();
            assertThat(b.authError()).isEqualTo("You are logged out.");

            b.submitAuth("tab-register", "wendy", Browser.PASSWORD);
            assertThat(b.authError()).isEqualTo("That username is already taken. Pick another one.");
            b.submitAuth("tab-login", "wendy", "not the password");
            assertThat(b.authError()).isEqualTo("Wrong username or password.");
            b.submitAuth("tab-login", "nobody-here", Browser.PASSWORD);
            assertThat(b.authError()).isEqualTo("Wrong username or password.");
            b.screenshot("login-error", true);
            // After five failed logins in a row the account backs off (1 s, doubling): the page
            // says how long to wait instead of "wrong password".
            for (int failed = 2; failed <= 5; failed++) {
                b.submitAuth("tab-login", "wendy", "not the password " + failed);
                b.waitFor(d -> b.authError().equals("Wrong username or password."));
                b.js("document.getElementById('auth-error').textContent = ''");
            }
            b.submitAuth("tab-login", "wendy", Browser.PASSWORD);
            b.waitFor(d -> b.authError().startsWith("Too many attempts. Try again in "));
            Thread.sleep(2_100); // the back-off after the fifth failure is 1 s

            WebServer.cut(network);
            b.submitAuth("tab-login", "wendy", Browser.PASSWORD);
            assertThat(b.authError()).startsWith("The server cannot be reached.");
            SERVER.restore(network);
            b.login("wendy", Browser.PASSWORD);
        }
    }

    @Test
    void logoutRevokesTheDevice() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.register("xena");
            String token = (String) b.js("return JSON.parse(localStorage.getItem('parley.session')).token");
            ParleyAccounts accounts = ParleyAccounts.of(SERVER.uri());
            assertThat(accounts.devices(token).get(5, TimeUnit.SECONDS)).singleElement()
                    .satisfies(d -> assertThat(d.name()).contains("Chrom"));
            b.byId("settings").click();
            b.byId("logout").click();
            assertThat(b.authError()).isEqualTo("You are logged out.");
            assertThat(b.js("return localStorage.getItem('parley.session')")).isNull();
            assertThatThrownBy(() -> accounts.devices(token).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ParleyClientException.class)
                    .hasMessageContaining("UNAUTHENTICATED");
            b.reload();
            assertThat(b.byId("auth-screen").isDisplayed()).isTrue();
        }
    }

    @Test
    void requestsTheServerRefusesAreExplainedInTheChatScreen() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.register("yara");
            b.byId("new-chat").click();
            b.byId("chat-user").sendKeys("ghost", Keys.ENTER);
            b.waitFor(d -> !b.byId("chat-error").getText().isBlank());
            assertThat(b.byId("chat-error").getText()).isEqualTo("There is no user with that name.");
            b.byId("chat-user").clear();
            b.byId("chat-user").sendKeys("yara", Keys.ENTER);
            b.waitFor(d -> b.byId("chat-error").getText().startsWith("That is you"));
            b.byId("dlg-chat").findElement(By.className("cancel")).click();

            b.byId("new-group").click();
            b.byId("group-name").sendKeys("Ghosts");
            b.byId("group-members").sendKeys("ghost", Keys.ENTER);
            b.waitFor(d -> b.byId("group-error").getText().equals("There is no user with that name."));
            b.byId("dlg-group").findElement(By.className("cancel")).click();

            // Quinn lets only her contacts add her to groups (the default), and Yara is not one.
            SERVER.sdkUser("quinn", new dev.parley.client.ParleyListener() { });
            b.byId("new-group").click();
            b.byId("group-name").sendKeys("Book club");
            b.byId("group-members").sendKeys("quinn", Keys.ENTER);
            b.waitFor(d -> !b.byId("group-error").getText().isBlank());
            assertThat(b.byId("group-error").getText()).isEqualTo("quinn is not letting you add them to groups. "
                    + "Ask them to add you to their contacts, or to allow everyone in their settings.");
            b.byId("dlg-group").findElement(By.className("cancel")).click();

            b.newGroup("Notes to self", "");
            b.type("y".repeat(3_000));
            b.byId("composer-input").sendKeys(Keys.ENTER);
            b.waitFor(d -> b.byId("banner").isDisplayed());
            assertThat(b.byId("banner").getText()).contains("The message is too long (3000 bytes; at most 2048).");
            assertThat(b.byId("composer-input").getAttribute("value")).hasSize(3_000); // kept, not lost
            assertThat(b.driver.findElements(By.cssSelector("#message-list li.msg"))).isEmpty();

            // Half an emoji (a lone surrogate, which the server refuses) is sent as U+FFFD.
            b.js("const i = document.getElementById('composer-input'); i.value = 'half an emoji: \\uD83D';"
                    + "i.dispatchEvent(new Event('input', {bubbles: true}));");
            b.byId("composer-input").sendKeys(Keys.ENTER);
            b.awaitMessage("half an emoji: \uFFFD");
            b.awaitStatus("half an emoji: \uFFFD", "sent");
        }
    }

    @Test
    void aLoginBeyondTheDeviceCapOffersToLogOutTheOldestDevice() throws Exception {
        ParleyAccounts accounts = ParleyAccounts.of(SERVER.uri());
        accounts.register("dina", Browser.PASSWORD).get(10, TimeUnit.SECONDS);
        String oldest = null;
        String newest = null;
        for (int i = 1; i <= 16; i++) { // the default cap, limits.maxDevicesPerUser
            ParleyAccounts.DeviceLogin login = accounts.login("dina", Browser.PASSWORD, "phone " + i).get(10, TimeUnit.SECONDS);
            oldest = oldest == null ? login.token() : oldest;
            newest = login.token();
            Thread.sleep(2); // creation times differ, so "oldest" is well defined
        }
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.submitAuth("tab-login", "dina", Browser.PASSWORD);
            assertThat(b.authError()).isEqualTo("You are logged in on too many devices. Log one out, "
                    + "or log in here and log out your oldest device.");
            assertThat(b.byId("auth-replace").isDisplayed()).isTrue();
            b.screenshot("device-limit", true);
            b.byId("auth-replace").click();
            b.awaitOnline();
            String token = newest;
            assertThat(accounts.devices(token).get(5, TimeUnit.SECONDS)).hasSize(16)
                    .anySatisfy(d -> assertThat(d.name()).contains("Chrom"))
                    .noneSatisfy(d -> assertThat(d.name()).isEqualTo("phone 1"));
            String revoked = oldest;
            assertThatThrownBy(() -> accounts.devices(revoked).get(5, TimeUnit.SECONDS))
                    .cause().hasMessageContaining("UNAUTHENTICATED");
        }
    }

    @Test
    void notificationsWhenClosedSayWhenTheServerSendsNoWebPush() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.register("ursula");
            b.openSettings();
            b.byId("push-toggle").click();
            b.waitFor(d -> !b.byId("settings-error").getText().isBlank());
            assertThat(b.byId("settings-error").getText())
                    .isEqualTo("This server does not send notifications to closed browsers.");
            b.waitFor(d -> !b.byId("push-toggle").isSelected());
        }
    }

    @Test
    void aDeviceRevokedElsewhereReturnsToTheFirstScreen() throws Exception {
        try (Browser b = Browser.open(SERVER.proxy().uri())) {
            b.register("zack");
            String device = (String) b.js("return JSON.parse(localStorage.getItem('parley.session')).device");
            ParleyAccounts accounts = ParleyAccounts.of(SERVER.uri());
            String phone = accounts.login("zack", Browser.PASSWORD, "phone").get(5, TimeUnit.SECONDS).token();
            accounts.revokeDevice(phone, device).get(5, TimeUnit.SECONDS);
            b.waitFor(d -> b.byId("auth-screen").isDisplayed());
            assertThat(b.authError()).isEqualTo("This device was logged out. Please log in again.");
            assertThat(b.js("return localStorage.getItem('parley.session')")).isNull();
        }
    }

    @Test
    void aSecondTabOfTheSameLoginTakesOverAndTheFirstSaysSo() throws Exception {
        TcpProxy network = SERVER.proxy();
        try (Browser b = Browser.open(network.uri())) {
            b.register("abby");
            String first = b.driver.getWindowHandle();
            b.driver.switchTo().newWindow(org.openqa.selenium.WindowType.TAB);
            b.driver.get(network.uri().resolve("/").toString());
            b.awaitOnline();
            b.driver.switchTo().window(first);
            b.waitFor(d -> b.byId("banner").isDisplayed());
            assertThat(b.byId("banner").getText()).startsWith("Parley is open in another tab or window of this browser.");
            assertThat(b.byId("conn-status").getAttribute("data-state")).isEqualTo("stopped");
        }
    }
}
