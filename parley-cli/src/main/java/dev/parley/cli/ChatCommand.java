package dev.parley.cli;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code parley chat}: the interactive terminal chat. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {
            "Interactive terminal chat.",
            "Without a saved profile it asks to register or log in first.",
            "Type /help inside for the commands; other lines are sent to the open conversation.",
        },
        footer = {"", "Commands inside the chat:", ChatCommands.HELP})
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Optional<Profile> profile = options.loadProfile();
        URI uri = options.serverUri(profile);
        if (profile.isEmpty()) {
            try {
                profile = onboard(in, out, uri);
            } catch (ParleyClientException e) {
                return ClientOptions.report(err, "chat", e);
            }
            if (profile.isEmpty()) {
                return ParleyCommand.EXIT_USAGE;
            }
        } else if (options.server != null && !options.server.equals(profile.get().server())) {
            out.println("* note: this profile was logged in at " + profile.get().server() + "; its token may not work on " + uri);
        }
        // A line editor on a real terminal (events above the input line, keystrokes become "typing");
        // plain lines from a pipe.
        try (ChatTerminal terminal = System.console() != null ? ChatTerminal.interactive() : ChatTerminal.plain(in, out)) {
            ChatSession session = new ChatSession(options, profile.get(), uri, terminal,
                    Profile.cursorFile(Profile.home(), options.profileName()));
            return session.run();
        }
    }

    /** Asks whether to register or log in, does it, and saves the profile. */
    private Optional<Profile> onboard(BufferedReader in, PrintWriter out, URI uri) throws Exception {
        out.println("No profile '" + options.profileName() + "' yet (" + options.profileFile() + ").");
        ParleyAccounts accounts = ParleyAccounts.of(uri);
        while (true) {
            out.print("(r)egister a new user or (l)og in to " + uri + "? ");
            out.flush();
            String choice = in.readLine();
            if (choice == null) {
                return Optional.empty();
            }
            choice = choice.strip().toLowerCase(java.util.Locale.ROOT);
            boolean register = choice.startsWith("r");
            if (!register && !choice.startsWith("l")) {
                continue;
            }
            out.print("username: ");
            out.flush();
            String user = in.readLine();
            if (user == null) {
                return Optional.empty();
            }
            user = user.strip();
            String pw = ClientOptions.password(null, in, out, "password: ");
            try {
                if (register) {
                    user = options.await(accounts.register(user, pw));
                    out.println("* registered " + user);
                }
                Profile p = LoginCommand.login(options, accounts, uri, user, pw, ClientOptions.defaultDeviceName());
                out.println("* logged in as " + p.user() + " (device " + p.device() + "), saved in " + options.profileFile());
                return Optional.of(p);
            } catch (ParleyClientException e) {
                if (ParleyClientException.NETWORK.equals(e.code())) {
                    throw e;
                }
                out.println("! " + e.getMessage());
            }
        }
    }
}
