package dev.parley.cli;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley contacts [add|remove USER]}: lists or changes the profile user's contacts (REST). */
@Command(name = "contacts", mixinStandardHelpOptions = true,
        description = {
            "Lists your contacts, one per line, or adds or removes one.",
            "Contacts see your presence when your lastSeen privacy is 'contacts',",
            "and may add you to groups (your default groupAdd setting).",
        })
final class ContactsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION", description = "list (default), add or remove.")
    String action = "list";

    @Parameters(index = "1", arity = "0..1", paramLabel = "USER", description = "The user to add or remove.")
    String user;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean change = action.equals("add") || action.equals("remove");
        if (!change && !action.equals("list") || change == (user == null)) {
            err.println("parley contacts: usage: parley contacts [list | add USER | remove USER]");
            return ParleyCommand.EXIT_USAGE;
        }
        var profile = options.loadProfile();
        if (profile.isEmpty()) {
            err.println("parley contacts: no profile '" + options.profileName()
                    + "'; run `parley login USER` or `parley register USER` first");
            return ParleyCommand.EXIT_USAGE;
        }
        URI uri = options.serverUri(profile);
        ParleyAccounts accounts = ParleyAccounts.of(uri);
        String token = profile.get().token();
        try {
            switch (action) {
                case "add" -> options.await(accounts.addContact(token, user));
                case "remove" -> options.await(accounts.removeContact(token, user));
                default -> {
                    List<String> all = options.await(accounts.contacts(token));
                    all.forEach(out::println);
                }
            }
            out.flush();
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "contacts", e);
        }
    }
}
