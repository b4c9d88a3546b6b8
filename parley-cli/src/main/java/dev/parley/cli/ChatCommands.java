package dev.parley.cli;

import dev.parley.client.HistoryRequest;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.PresenceView;
import java.util.ArrayList;
import java.util.List;

/**
 * The chat's slash commands (/list, /open, /group, /add, /admin, /contact, /history, /who, /read,
 * /help, /quit): each asks the server through the SDK, waiting for the reply, and prints the
 * outcome or a line starting with '!'.
 *
 * <p>Runs on the input thread only; what it shares with the SDK's threads lives in {@link ChatState}.
 */
final class ChatCommands {
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

    private final ClientOptions options;
    private final ParleyClient client;
    private final ChatState state;
    private final ChatFormat format;
    private final TypingSignal typing;
    private final ChatTerminal terminal;

    ChatCommands(ClientOptions options, ParleyClient client, ChatState state, ChatFormat format, TypingSignal typing,
                 ChatTerminal terminal) {
        this.options = options;
        this.client = client;
        this.state = state;
        this.format = format;
        this.typing = typing;
        this.terminal = terminal;
    }

    /** Runs one command; false means quit. */
    boolean run(ChatInput input) throws InterruptedException {
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
                        state.remember(v);
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
            state.remember(v);
            ids.add(v.conv());
        }
        state.listed(ids);
        if (!all.isEmpty()) {
            say(format.listing(all));
        }
    }

    private void open(String what) throws InterruptedException {
        ConversationView v;
        if (what.matches("\\d+")) {
            int n = Integer.parseInt(what);
            String id = state.listed(n);
            if (id == null) {
                say("! no conversation " + n + " in the last /list");
                return;
            }
            v = state.known(id);
        } else if (what.contains(":")) {
            v = state.known(what);
            if (v == null) {
                for (ConversationView c : options.await(client.listConversations())) {
                    state.remember(c);
                }
                v = state.known(what);
            }
            if (v == null) {
                say("! no conversation " + what);
                return;
            }
        } else {
            v = options.await(client.openDirect(what));
            state.remember(v);
        }
        select(v);
    }

    private void select(ConversationView v) throws InterruptedException {
        typing.stop();
        state.open(v.conv());
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
            state.noteSeq(m.conv(), m.seq());
        }
        say(format.history(conv, page));
    }

    private void who() throws InterruptedException {
        String conv = requireOpen();
        if (conv == null) {
            return;
        }
        ConversationView v = state.known(conv);
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
        long upTo = state.lastSeq(conv);
        if (upTo < 1) {
            say("* nothing to mark read in " + conv);
            return;
        }
        options.await(client.markRead(conv, upTo));
        say("* marked " + conv + " read up to #" + upTo);
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

    private String requireOpen() {
        String conv = state.current();
        if (conv == null) {
            say("! no open conversation: /open USER first");
        }
        return conv;
    }

    private void say(String line) {
        terminal.print(line);
    }
}
