package dev.parley.cli;

import dev.parley.client.CursorStore;
import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.PresenceEvent;
import dev.parley.protocol.ServerFrame.PresenceView;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.TypingEvent;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The interactive terminal chat: reads lines from its {@link ChatTerminal} (commands start with
 * '/', anything else is sent to the open conversation) and prints what happens, one line per
 * event, so that it works both for a person and for a script driving it (tmux, a pipe). On a real
 * terminal, typing into the line tells the open conversation "typing".
 *
 * <p>Threading: input is read on the caller's thread; SDK events arrive on the SDK's listener
 * thread; replies on its callback threads. Shared state is guarded by {@code this}; printing by
 * the terminal.
 */
final class ChatSession implements ParleyListener {
    static final String HELP = ""
            + "commands:\n"
            + "  /list                 your conversations (numbered)\n"
            + "  /open USER|N|CONV     open the chat with USER, the Nth of /list, or by id\n"
            + "  /group NAME USER...   create a group with these users and open it\n"
            + "  /add USER...          add users to the open group (admins; they must allow it)\n"
            + "  /admin USER           make a member of the open group an admin\n"
            + "  /contact add|remove USER, /contact list   your contacts (they see your presence\n"
            + "                        under lastSeen contacts and may add you to groups)\n"
            + "  /history [N]          the last N messages here (default 20)\n"
            + "  /who                  presence of the open conversation's members\n"
            + "  /read                 mark the open conversation read\n"
            + "  /quit                 leave (also Ctrl-D)\n"
            + "  /help                 this text\n"
            + "anything else is sent to the open conversation.\n"
            + "ticks: ✓ stored by the server, ✓✓ delivered to every recipient,\n"
            + "       ✓✓ read: read by every recipient.";

    private static final long TYPING_EVERY_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final ClientOptions options;
    private final Profile profile;
    private final URI server;
    private final ChatTerminal terminal;
    private final Path cursorFile;
    private final Ticks ticks;
    private final ChatFormat format;

    // guarded by this
    private String current;
    private final Map<String, ConversationView> conversations = new HashMap<>();
    private final Map<String, Long> lastSeq = new HashMap<>();
    private List<String> listed = List.of();
    private final Map<String, Long> typingShown = new ConcurrentHashMap<>();
    private final List<CompletableFuture<?>> inFlight = new ArrayList<>();
    private boolean wasConnected;
    private long typingSentAt;
    private String typingIn;

    private volatile ParleyClient client;

    ChatSession(ClientOptions options, Profile profile, URI server, ChatTerminal terminal, Path cursorFile) {
        this.options = options;
        this.profile = profile;
        this.server = server;
        this.terminal = terminal;
        this.cursorFile = cursorFile;
        this.ticks = new Ticks(profile.user());
        this.format = new ChatFormat(profile.user());
    }

    /** Runs until /quit or end of input; returns the exit code. */
    int run() throws IOException, InterruptedException {
        client = ParleyClient.builder(server, profile.token())
                .listener(this)
                .cursorStore(CursorStore.file(cursorFile))
                .requestTimeout(options.timeout())
                .build();
        try {
            say("* connecting to " + server + " as " + profile.user() + "…");
            try {
                options.await(client.connect());
                say("* up to date. /help for commands");
            } catch (ParleyClientException e) {
                if (e.errorCode() == ErrorCode.UNAUTHENTICATED) {
                    say("! the server rejected this device's token (logged out or revoked): run `parley login "
                            + profile.user() + "` again");
                    return ParleyCommand.EXIT_REFUSED;
                }
                say("! cannot reach " + server + " yet (" + e.getMessage() + "); still trying in the background");
            }
            try {
                for (ConversationView v : options.await(client.listConversations())) {
                    remember(v);
                }
            } catch (ParleyClientException e) {
                // not fatal: the cache fills as conversations are opened
            }
            String line;
            terminal.onKeystroke(this::keystroke);
            while ((line = terminal.readLine()) != null) {
                ChatInput input = ChatInput.parse(line);
                if (input == null) {
                    continue;
                }
                if (input.isCommand()) {
                    if (!command(input)) {
                        break;
                    }
                } else {
                    sendText(input.text());
                }
            }
            waitForSends();
            return 0;
        } finally {
            client.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Commands (input thread)

    /** Runs one command; false means quit. */
    private boolean command(ChatInput input) throws InterruptedException {
        List<String> args = input.args();
        try {
            switch (input.command()) {
                case "quit", "exit", "q" -> {
                    return false;
                }
                case "help", "h", "?" -> say(HELP);
                case "list", "ls" -> list();
                case "open", "o" -> {
                    if (args.size() != 1) {
                        say("! usage: /open USER|N|CONV");
                    } else {
                        open(args.get(0));
                    }
                }
                case "group" -> {
                    if (args.size() < 2) {
                        say("! usage: /group NAME USER...");
                    } else {
                        ConversationView v = options.await(client.createGroup(args.get(0), args.subList(1, args.size())));
                        remember(v);
                        say("* created group " + v.name() + " (" + v.conv() + ") with " + String.join(", ", v.members()));
                        select(v);
                    }
                }
                case "add" -> {
                    String conv = requireOpen();
                    if (conv != null) {
                        if (args.isEmpty()) {
                            say("! usage: /add USER...");
                        } else {
                            options.await(client.addMembers(conv, args));
                            say("* added " + String.join(", ", args) + " to " + conv);
                        }
                    }
                }
                case "admin" -> {
                    String conv = requireOpen();
                    if (conv != null) {
                        if (args.size() != 1) {
                            say("! usage: /admin USER");
                        } else {
                            options.await(client.promoteAdmin(conv, args.get(0)));
                            say("* " + args.get(0) + " is now an admin of " + conv);
                        }
                    }
                }
                case "contact", "contacts" -> contact(args);
                case "join" -> say("! /join is not available: a member of the group adds you with /add");
                case "history", "hist" -> {
                    String conv = requireOpen();
                    if (conv != null) {
                        int n = args.isEmpty() ? 20 : Integer.parseInt(args.get(0));
                        showHistory(conv, Math.max(1, Math.min(1000, n)));
                    }
                }
                case "who" -> who();
                case "read" -> read();
                default -> say("! unknown command /" + input.command() + " (/help lists them)");
            }
        } catch (ParleyClientException e) {
            say("! " + e.getMessage());
        } catch (NumberFormatException e) {
            say("! not a number: " + e.getMessage());
        }
        return true;
    }

    private void list() throws InterruptedException {
        List<ConversationView> all = options.await(client.listConversations());
        List<String> ids = new ArrayList<>();
        if (all.isEmpty()) {
            say("* no conversations yet: /open USER or /group NAME USER...");
        }
        for (ConversationView v : all) {
            remember(v);
            ids.add(v.conv());
        }
        synchronized (this) {
            listed = List.copyOf(ids);
        }
        if (!all.isEmpty()) {
            say(format.listing(all));
        }
    }

    private void open(String what) throws InterruptedException {
        ConversationView v;
        if (what.matches("\\d+")) {
            int n = Integer.parseInt(what);
            String id;
            synchronized (this) {
                id = n >= 1 && n <= listed.size() ? listed.get(n - 1) : null;
            }
            if (id == null) {
                say("! no conversation " + n + " in the last /list");
                return;
            }
            v = known(id);
        } else if (what.contains(":")) {
            v = known(what);
            if (v == null) {
                for (ConversationView c : options.await(client.listConversations())) {
                    remember(c);
                }
                v = known(what);
            }
            if (v == null) {
                say("! no conversation " + what);
                return;
            }
        } else {
            v = options.await(client.openDirect(what));
            remember(v);
        }
        select(v);
    }

    private void select(ConversationView v) throws InterruptedException {
        stopTyping();
        synchronized (this) {
            current = v.conv();
        }
        say("* now in " + v.conv() + " (" + format.label(v) + "); type to send");
        showHistory(v.conv(), 10);
        List<String> others = format.others(v);
        if (!others.isEmpty()) {
            client.subscribePresence(others);
        }
    }

    private void showHistory(String conv, int n) throws InterruptedException {
        HistoryPage page = options.await(client.history(conv, HistoryRequest.latest(n)));
        for (MessageView m : page.messages()) {
            noteSeq(m.conv(), m.seq());
        }
        say(format.history(conv, page));
    }

    private void who() throws InterruptedException {
        String conv = requireOpen();
        if (conv == null) {
            return;
        }
        ConversationView v = known(conv);
        List<String> others = v == null ? List.of() : format.others(v);
        if (others.isEmpty()) {
            say("* nobody else in " + conv);
            return;
        }
        for (PresenceView p : options.await(client.subscribePresence(others))) {
            say("* " + ChatFormat.presenceText(p.user(), p.online(), p.lastSeen()));
        }
    }

    private void read() throws InterruptedException {
        String conv = requireOpen();
        if (conv == null) {
            return;
        }
        long upTo;
        synchronized (this) {
            upTo = lastSeq.getOrDefault(conv, 0L);
        }
        if (upTo < 1) {
            say("* nothing to mark read in " + conv);
            return;
        }
        options.await(client.markRead(conv, upTo));
        say("* marked " + conv + " read up to #" + upTo);
    }

    private void sendText(String text) {
        stopTyping();
        String conv;
        synchronized (this) {
            conv = current;
        }
        if (conv == null) {
            say("! no open conversation: /open USER first (/help for more)");
            return;
        }
        CompletableFuture<?> f = client.send(conv, text).whenComplete((sent, err) -> {
            if (err != null) {
                ParleyClientException e = ParleyClientException.unwrap(err);
                say("! not sent to " + conv + ": " + (e != null ? e.getMessage() : err.toString()) + ": " + ChatFormat.snippet(text));
                return;
            }
            List<Ticks.Change> more;
            synchronized (this) {
                noteSeq(sent.conv(), sent.seq());
                more = ticks.sent(sent.conv(), sent.seq(), text);
            }
            say("✓ [" + sent.conv() + " #" + sent.seq() + "] " + ChatFormat.snippet(text));
            more.forEach(this::sayTick);
        });
        synchronized (this) {
            inFlight.removeIf(CompletableFuture::isDone);
            inFlight.add(f);
        }
    }

    private void waitForSends() throws InterruptedException {
        List<CompletableFuture<?>> pendingSends;
        synchronized (this) {
            pendingSends = new ArrayList<>(inFlight);
        }
        if (pendingSends.stream().anyMatch(f -> !f.isDone())) {
            say("* waiting for unsent messages…");
        }
        try {
            CompletableFuture.allOf(pendingSends.toArray(CompletableFuture[]::new))
                    .get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // each failure was already printed; unfinished ones are abandoned on close
        }
        // give delivered receipts that are about to arrive a moment, for scripts that pipe input
        Thread.sleep(200);
    }

    private String requireOpen() {
        synchronized (this) {
            if (current == null) {
                say("! no open conversation: /open USER first");
            }
            return current;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Events (SDK listener thread)

    @Override
    public void onMessage(MessageView m, long cursor) {
        noteSeq(m.conv(), m.seq());
        if (profile.user().equals(m.from()) && client != null && m.fromDevice() != null
                && m.fromDevice().equals(client.device())) {
            return; // our own, already shown with its ✓
        }
        typingShown.remove(m.conv() + '\u0000' + m.from());
        say(format.message(m));
    }

    @Override
    public void onReceipt(ReceiptEvent r) {
        List<Ticks.Change> changes;
        synchronized (this) {
            changes = ticks.receipt(r.conv(), r.user(), r.status(), r.upTo());
        }
        changes.forEach(this::sayTick);
    }

    private void contact(List<String> args) throws InterruptedException {
        String verb = args.isEmpty() ? "list" : args.get(0);
        switch (verb) {
            case "list", "ls" -> {
                List<String> all = options.await(client.listContacts());
                say(all.isEmpty() ? "* no contacts" : "* contacts: " + String.join(", ", all));
            }
            case "add", "remove", "rm" -> {
                if (args.size() != 2) {
                    say("! usage: /contact add|remove USER");
                    return;
                }
                String user = args.get(1);
                if (verb.equals("add")) {
                    options.await(client.addContact(user));
                    say("* " + user + " is a contact");
                } else {
                    options.await(client.removeContact(user));
                    say("* " + user + " is no longer a contact");
                }
            }
            default -> say("! usage: /contact add|remove USER, or /contact list");
        }
    }

    @Override
    public void onMembership(MembershipEvent e) {
        // The event carries only the change: refresh the member list from the server (a user who was
        // removed or left gets CONVERSATION_NOT_FOUND, and the stale entry stays until /list).
        client.getConversation(e.conv()).thenAccept(this::remember);
        say(ChatFormat.membership(e));
    }

    @Override
    public void onPresence(PresenceEvent p) {
        say("* " + ChatFormat.presenceText(p.user(), p.online(), p.lastSeen()));
    }

    @Override
    public void onTyping(TypingEvent t) {
        if (t.user().equals(profile.user())) {
            return;
        }
        String key = t.conv() + '\u0000' + t.user();
        if ("start".equals(t.state())) {
            Long shown = typingShown.get(key);
            long now = System.currentTimeMillis();
            if (shown == null || now - shown > 5_000) {
                typingShown.put(key, now);
                say(ChatFormat.typing(t.user(), t.conv()));
            }
        } else {
            typingShown.remove(key);
        }
    }

    @Override
    public void onConnected() {
        synchronized (this) {
            say(wasConnected ? "* reconnected" : "* connected as " + profile.user() + " (device " + client.device() + ")");
            wasConnected = true;
        }
    }

    @Override
    public void onDisconnected(String reason) {
        if (!"closed".equals(reason)) {
            say("* disconnected (" + reason + "); reconnecting…");
        }
    }

    // ---------------------------------------------------------------------------------------
    // Helpers

    private void sayTick(Ticks.Change c) {
        say(ChatFormat.tick(c));
    }

    private synchronized void noteSeq(String conv, long seq) {
        lastSeq.merge(conv, seq, Math::max);
    }

    private synchronized void remember(ConversationView v) {
        conversations.put(v.conv(), v);
        ticks.members(v.conv(), v.members());
    }

    private synchronized ConversationView known(String conv) {
        return conversations.get(conv);
    }

    private void say(String line) {
        terminal.print(line);
    }

    /**
     * Someone typed into the line: tell the open conversation, at most every few seconds (the
     * other side shows "typing" until a message or a stop arrives, or for a few seconds). A
     * command being typed (a line starting with '/') is not a message being written.
     */
    private void keystroke(String line) {
        if (ChatInput.isCommandLine(line)) {
            return;
        }
        String conv;
        long now = System.nanoTime();
        synchronized (this) {
            conv = current;
            if (conv == null || client == null || (typingSentAt != 0 && now - typingSentAt < TYPING_EVERY_NANOS)) {
                return;
            }
            typingSentAt = now;
            typingIn = conv;
        }
        client.typing(conv, true);
    }

    /** After a line is sent or a conversation left: stop saying "typing" there. */
    private void stopTyping() {
        String conv;
        synchronized (this) {
            conv = typingIn;
            typingIn = null;
            typingSentAt = 0;
        }
        if (conv != null && client != null) {
            client.typing(conv, false);
        }
    }
}
