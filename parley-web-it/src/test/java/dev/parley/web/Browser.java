package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One person's browser: Debian's headless Chromium driven through the system chromedriver (no
 * Selenium Manager, nothing downloaded), with a fresh profile, pointed at a Parley web client.
 * The methods are what a person does on the page (register, open a chat, type, read) and what
 * they see (messages, ticks, unread counts), found by the ids and data attributes of index.html
 * and view.js.
 */
final class Browser implements AutoCloseable {
    static final String PASSWORD = "correct horse battery";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    final ChromeDriver driver;
    private final URI base;
    private final Path profile;
    private Object blockScript;

    private Browser(ChromeDriver driver, URI base, Path profile) {
        this.driver = driver;
        this.base = base;
        this.profile = profile;
    }

    /**
     * Skips the calling test when Chromium or its driver is missing, except in CI ({@code CI=true}),
     * where a missing browser fails the build instead of hiding the browser tests.
     */
    static void requireChromium() {
        requireChromium(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), System.getenv("CI"));
    }

    static void requireChromium(boolean present, String ci) {
        if (present) {
            return;
        }
        String message = "the web client tests need Debian's chromium and chromium-driver ("
                + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver "
                + "(scripts/test.sh installs them)";
        if ("true".equalsIgnoreCase(ci)) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
    }

    /** Starts a browser with a fresh profile at the web client served from {@code base}. */
    static Browser open(URI base) throws IOException {
        requireChromium();
        Logger.getLogger("org.openqa.selenium").setLevel(Level.WARNING);
        Path profile = Files.createTempDirectory(WebServer.workDir(), "chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1100,760", "--lang=en-GB");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriver driver = new ChromeDriver(service, options);
        Browser b = new Browser(driver, base, profile);
        b.driver.get(base.resolve("/").toString());
        b.waitFor(d -> !b.byId("loading").isDisplayed());
        return b;
    }

    // ---- first screen -------------------------------------------------------------------------

    /** Creates an account from the first screen and waits until the chat screen is connected. */
    Browser register(String user) {
        submitAuth("tab-register", user, PASSWORD);
        awaitOnline();
        return this;
    }

    /** Logs in from the first screen and waits until the chat screen is connected. */
    Browser login(String user, String password) {
        submitAuth("tab-login", user, password);
        awaitOnline();
        return this;
    }

    /** Fills and submits the first screen's form on the given tab. */
    void submitAuth(String tab, String user, String password) {
        byId(tab).click();
        WebElement name = byId("auth-username");
        name.clear();
        name.sendKeys(user);
        WebElement pw = byId("auth-password");
        pw.clear();
        pw.sendKeys(password);
        byId("auth-submit").click();
    }

    /** The first screen's error message, once one is shown. */
    String authError() {
        waitFor(d -> !byId("auth-error").getText().isBlank());
        return byId("auth-error").getText();
    }

    // ---- connection ---------------------------------------------------------------------------

    void awaitOnline() {
        awaitConnection("online");
    }

    void awaitConnection(String state) {
        waitFor(d -> byId("chat-screen").isDisplayed() && state.equals(byId("conn-status").getAttribute("data-state")));
    }

    String connectionText() {
        return byId("conn-status").getText();
    }

    // ---- conversations ------------------------------------------------------------------------

    /** Opens (creating if needed) the direct chat with {@code user} through the New chat dialog. */
    void newChat(String user) {
        byId("new-chat").click();
        byId("chat-user").sendKeys(user);
        byId("chat-user").sendKeys(Keys.ENTER);
        waitFor(d -> byId("chat-open").isDisplayed() && user.equals(byId("chat-title").getText()));
    }

    /** Creates a group through the New group dialog and waits until it is open. */
    void newGroup(String name, String members) {
        byId("new-group").click();
        byId("group-name").sendKeys(name);
        byId("group-members").sendKeys(members);
        byId("group-members").sendKeys(Keys.ENTER);
        waitFor(d -> byId("chat-open").isDisplayed() && name.equals(byId("chat-title").getText()));
    }

    /** Waits for a conversation titled {@code title} in the list and clicks it. */
    void openConversation(String title) {
        waitFor(d -> conversationItem(title) != null);
        conversationItem(title).findElement(By.tagName("button")).click();
        waitFor(d -> byId("chat-open").isDisplayed() && title.equals(byId("chat-title").getText()));
    }

    /** Closes the open conversation (as on a phone, back to the list). */
    void backToList() {
        byId("composer-input").sendKeys(Keys.ESCAPE);
        waitFor(d -> !byId("chat-open").isDisplayed());
    }

    WebElement conversationItem(String title) {
        return (WebElement) js("return [...document.querySelectorAll('#conv-list li')]"
                + ".find(li => li.querySelector('.conv-name').textContent === arguments[0]) || null", title);
    }

    /** The unread count shown beside a conversation (0 without a badge, -1 without the conversation). */
    int unread(String title) {
        Number n = (Number) js("const li = [...document.querySelectorAll('#conv-list li')]"
                + ".find(li => li.querySelector('.conv-name').textContent === arguments[0]);"
                + "if (!li) return -1; const b = li.querySelector('.badge'); return b ? Number(b.textContent) : 0;", title);
        return n.intValue();
    }

    void awaitUnread(String title, int count) {
        waitFor(d -> unread(title) == count);
    }

    /** The last-message line of a conversation in the list. */
    String preview(String title) {
        return (String) js("const li = [...document.querySelectorAll('#conv-list li')]"
                + ".find(li => li.querySelector('.conv-name').textContent === arguments[0]);"
                + "return li ? li.querySelector('.conv-last').textContent : null;", title);
    }

    // ---- settings and contacts ---------------------------------------------------------------

    /** Opens the settings dialog. */
    void openSettings() {
        byId("settings").click();
        waitFor(d -> byId("dlg-settings").isDisplayed());
    }

    /** Closes the settings dialog with Done. */
    void closeSettings() {
        byId("dlg-settings").findElement(By.cssSelector("button[type='submit']")).click();
        waitFor(d -> !byId("dlg-settings").isDisplayed());
    }

    /** Sets "Who can add me to groups" in the settings and waits until the server took it. */
    void setGroupAdd(String value) {
        openSettings();
        new org.openqa.selenium.support.ui.Select(byId("group-add")).selectByValue(value);
        waitFor(d -> value.equals(js("return localStorage.getItem('parley.groupAdd.' + "
                + "JSON.parse(localStorage.getItem('parley.session')).user)")));
        closeSettings();
    }

    /** Adds {@code user} to the contacts from the settings dialog and waits until the list shows them. */
    void addContact(String user) {
        openSettings();
        byId("contact-user").sendKeys(user);
        byId("contact-add").click();
        waitFor(d -> contacts().contains(user));
        closeSettings();
    }

    /** The contacts the settings dialog lists. */
    @SuppressWarnings("unchecked")
    List<String> contacts() {
        return (List<String>) js("return [...document.querySelectorAll('#contact-list li[data-user]')]"
                + ".map(li => li.dataset.user)");
    }

    // ---- messages ----------------------------------------------------------------------------

    /** Types {@code text} into the composer and presses Enter. */
    void send(String text) {
        type(text);
        byId("composer-input").sendKeys(Keys.ENTER);
        waitFor(d -> byId("composer-input").getAttribute("value").isEmpty());
    }

    /**
     * Puts {@code text} into the composer as typing would. ChromeDriver cannot type characters
     * outside the Basic Multilingual Plane (most emoji), so those go in through the input event
     * the page listens to.
     */
    void type(String text) {
        WebElement input = byId("composer-input");
        if (text.codePoints().allMatch(Character::isBmpCodePoint) && text.length() < 300) {
            input.sendKeys(text);
        } else {
            js("const i = document.getElementById('composer-input'); i.value = arguments[0];"
                    + "i.dispatchEvent(new Event('input', {bubbles: true}));", text);
        }
    }

    /** The message bubble whose body is {@code text}, once it is shown. */
    WebElement awaitMessage(String text) {
        waitFor(d -> message(text) != null);
        return message(text);
    }

    private static final String FIND_MESSAGE = "const m = [...document.querySelectorAll('#message-list li.msg')]"
            + ".find(li => li.querySelector('.body').textContent === arguments[0]);";

    /** The bubble showing exactly {@code text}, or null. */
    WebElement message(String text) {
        return (WebElement) js(FIND_MESSAGE + "return m || null;", text);
    }

    /** How many bubbles show exactly {@code text}. */
    long count(String text) {
        return ((Number) js("return [...document.querySelectorAll('#message-list li.msg .body')]"
                + ".filter(b => b.textContent === arguments[0]).length", text)).longValue();
    }

    /** The tick status of my message {@code text}: pending, sent, delivered or read (null if not shown). */
    String status(String text) {
        return (String) js(FIND_MESSAGE + "const t = m && m.querySelector('.ticks');"
                + "return t ? t.dataset.status : null;", text);
    }

    /** The sender's name shown above a message in a group (null in direct chats and on one's own). */
    String sender(String text) {
        return (String) js(FIND_MESSAGE + "const f = m && m.querySelector('.from'); return f ? f.textContent : null;", text);
    }

    /** The per-member summary on my message's ticks ("dave: read" lines; groups only). */
    String tickSummary(String text) {
        return (String) js(FIND_MESSAGE + "const t = m && m.querySelector('.ticks'); return t ? t.title : null;", text);
    }

    /** Clicks the ticks of my message {@code text} (in a group: opens who has read it). */
    void clickTicks(String text) {
        js(FIND_MESSAGE + "m.querySelector('.ticks').click();", text);
    }

    void awaitStatus(String text, String status) {
        waitFor(d -> status.equals(status(text)));
    }

    String chatSubtitle() {
        return byId("chat-sub").getText();
    }

    // ---- page ---------------------------------------------------------------------------------

    void reload() {
        driver.navigate().refresh();
        waitFor(d -> !byId("loading").isDisplayed());
    }

    /**
     * From the next page load on, the page's WebSocket connections fail (their upgrade goes to a
     * path where the server answers 404) until {@link #unblockWebSockets()}, while its files still load: a reload
     * then shows only what the browser kept.
     */
    void blockWebSocketsFromNextLoad() {
        blockScript = driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", ""
                + "window.__parleyTestBlockWs = true;"
                + "const RealWebSocket = window.WebSocket;"
                + "window.WebSocket = function (url, protocols) {"
                + "  return new RealWebSocket(window.__parleyTestBlockWs ? url.replace('/ws', '/no-websocket-here') : url,"
                + "      protocols);"
                + "};"
                + "window.WebSocket.prototype = RealWebSocket.prototype;"
                + "Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});"))
                .get("identifier");
    }

    /**
     * Lets the page show notifications, and from the next page load on records each one it shows
     * (title and body, in {@code window.parleyTestNotifications}) besides showing it: a headless
     * browser has no notification centre to look at.
     */
    void recordNotifications() {
        grantNotifications();
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", ""
                + "window.parleyTestNotifications = [];"
                + "const RealNotification = window.Notification;"
                + "window.Notification = class extends RealNotification {"
                + "  constructor(title, options) {"
                + "    super(title, options);"
                + "    window.parleyTestNotifications.push({title, body: options && options.body});"
                + "  }"
                + "};"));
    }

    /** Lets the page show notifications, as a person who said "Allow" would. */
    void grantNotifications() {
        driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", base.toString().replaceAll("/$", ""),
                "permissions", List.of("notifications")));
    }

    /** Lets the page's WebSocket connections through again (the next reconnect succeeds). */
    void unblockWebSockets() {
        if (blockScript != null) {
            driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", blockScript));
            blockScript = null;
        }
        js("window.__parleyTestBlockWs = false;");
    }

    /** How many messages this device keeps in IndexedDB (what a reload shows before it connects). */
    long storedMessages() {
        return ((Number) driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "const s = JSON.parse(localStorage.getItem('parley.session'));"
                + "const open = indexedDB.open(`parley:${s.user}:${s.device}`);"
                + "open.onerror = () => done(-1);"
                + "open.onsuccess = () => { const db = open.result;"
                + "  const count = db.transaction('messages').objectStore('messages').count();"
                + "  count.onsuccess = () => { db.close(); done(count.result); }; };")).longValue();
    }

    /** The browser console's lines so far (errors of the page show up here). */
    List<String> console() {
        return driver.manage().logs().get("browser").getAll().stream().map(Object::toString).toList();
    }

    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void waitFor(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        try {
            new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            diagnose();
            throw e;
        }
    }

    /** Prints what the page shows and its console, and saves a screenshot, for a failed wait. */
    private void diagnose() {
        try {
            System.out.println("page state at a failed wait: " + js("return JSON.stringify({"
                    + "status: document.getElementById('conn-status').textContent,"
                    + "list: [...document.querySelectorAll('#conv-list li')].map(li => li.innerText),"
                    + "title: document.getElementById('chat-title').textContent,"
                    + "sub: document.getElementById('chat-sub').textContent,"
                    + "messages: [...document.querySelectorAll('#message-list li')].map(li => li.innerText),"
                    + "banner: document.getElementById('banner').innerText,"
                    + "authError: document.getElementById('auth-error').textContent})"));
            console().forEach(line -> System.out.println("browser console: " + line));
            screenshot("failed-wait-" + System.nanoTime(), false);
        } catch (IOException | RuntimeException diagnosisFailed) {
            System.out.println("no diagnosis: " + diagnosisFailed);
        }
    }

    void awaitVisible(By by) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /**
     * Saves a screenshot as {@code target/screenshots/NAME.png}; with {@code docs} true, and when
     * the build asks for it ({@code -Dparley.web.docImages=true}), also as
     * {@code docs/images/web-NAME.png} in the repository, for the README.
     */
    Path screenshot(String name, boolean docs) throws IOException {
        Path dir = Path.of(System.getProperty("parley.web.screenshots", "target/screenshots"));
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".png");
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(file)).isPositive();
        if (docs && Boolean.getBoolean("parley.web.docImages")) {
            Path images = repositoryRoot().resolve("docs/images");
            if (Files.isDirectory(images)) {
                Files.copy(file, images.resolve("web-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return file;
    }

    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return here.getFileName().toString().equals("parley-web-it") ? here.getParent() : here;
    }

    @Override
    public void close() throws IOException {
        try {
            console().forEach(line -> System.out.println("browser console: " + line));
        } catch (RuntimeException e) {
            System.out.println("browser console unavailable: " + e);
        }
        try {
            driver.quit();
        } finally {
            WebServer.deleteRecursively(profile);
        }
    }
}
