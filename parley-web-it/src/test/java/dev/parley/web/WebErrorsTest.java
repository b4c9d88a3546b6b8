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
            assertThat(b.authError()).isEqualTo("Passwords are 8 to 256 characters long.");

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

            b.newGroup("Notes to self", "");
            b.type("y".repeat(3_000));
            b.byId("composer-input").sendKeys(Keys.ENTER);
            b.waitFor(d -> b.byId("banner").isDisplayed());
            assertThat(b.byId("banner").getText()).contains("The message is too long (3000 bytes; at most 2048).");
            assertThat(b.byId("composer-input").getAttribute("value")).hasSize(3_000); // kept, not lost
            assertThat(b.driver.findElements(By.cssSelector("#message-list li.msg"))).isEmpty();
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
