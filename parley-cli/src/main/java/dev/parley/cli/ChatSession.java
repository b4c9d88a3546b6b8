package dev.parley.cli;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.PresenceEvent;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.TypingEvent;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p>This class is the glue with the SDK: it connects, reads lines and hands commands to
 * {@link ChatCommands}, sends text, and prints the SDK's events through {@link ChatFormat}.
 *
 * <p>Threading: input is read on the caller's thread; SDK events arrive on the SDK's listener
 * thread; replies on its callback threads. What they share lives in {@link ChatState}; the sends
 * in flight and the connection flag are guarded by {@code this}; printing by the terminal.
 */
final class ChatSession implements ParleyListener {
    private final ClientOptions options;
    private final Profile profile;
    private final URI server;
    private final ChatTerminal terminal;
    private final Path cursorFile;
    private final ChatState state;
    private final ChatFormat format;
    private final Map<String, Long> typingShown = new ConcurrentHashMap<>();

    // guarded by this
    private final List<CompletableFuture<?>> inFlight = new ArrayList<>();
    private boolean wasConnected;

    // set once by run(), before the first line is read
    private volatile ParleyClient client;
    private TypingSignal typing;

    ChatSession(ClientOptions options, Profile profile, URI server, ChatTerminal terminal, Path cursorFile) {
        this.options = options;
        this.profile = profile;
        this.server = server;
        this.terminal = terminal;
        this.cursorFile = cursorFile;
        this.state = new ChatState(profile.user());
        this.format = new ChatFormat(profile.user());
    }

    /** Runs until /quit or end of input; returns the exit code. */
    int run() throws IOException, InterruptedException {
        client = ParleyClient.builder(server, profile.token())
                .listener(this)
                .cursorStore(CursorStore.file(cursorFile))
                .requestTimeout(options.timeout())
                .build();
        typing = new TypingSignal(client::typing, state::current, System::nanoTime);
        ChatCommands commands = new ChatCommands(options, client, state, format, typing, terminal);
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
                    state.remember(v);
                }
            } catch (ParleyClientException e) {
                // not fatal: the cache fills as conversations are opened
            }
            String line;
            terminal.onKeystroke(typing::keystroke);
            while ((line = terminal.readLine()) != null) {
                ChatInput input = ChatInput.parse(line);
                if (input == null) {
                    continue;
                }
                if (input.isCommand()) {
                    if (!commands.run(input)) {
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

    private void sendText(String text) {
        typing.stop();
        String conv = state.current();
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
            List<Ticks.Change> more = state.sent(sent.conv(), sent.seq(), text);
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

    // ---------------------------------------------------------------------------------------
    // Events (SDK listener thread)

    @Override
    public void onMessage(MessageView m, long cursor) {
        state.noteSeq(m.conv(), m.seq());
        if (profile.user().equals(m.from()) && client != null && m.fromDevice() != null
                && m.fromDevice().equals(client.device())) {
            return; // our own, already shown with its ✓
        }
        typingShown.remove(m.conv() + '\u0000' + m.from());
        say(format.message(m));
    }

    @Override
    public void onReceipt(ReceiptEvent r) {
        List<Ticks.Change> changes = state.receipt(r.conv(), r.user(), r.status(), r.upTo());
        changes.forEach(this::sayTick);
    }

    @Override
    public void onMembership(MembershipEvent e) {
        // The event carries only the change: refresh the member list from the server (a user who was
        // removed or left gets CONVERSATION_NOT_FOUND, and the stale entry stays until /list).
        client.getConversation(e.conv()).thenAccept(state::remember);
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

    private void say(String line) {
        terminal.print(line);
    }
}
