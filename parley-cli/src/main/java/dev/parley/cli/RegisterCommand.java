package dev.parley.cli;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley register USER}: creates an account and (unless --no-login) logs this machine in. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Creates an account and logs this machine in.",
            "The new device's token is saved in the profile (mode 600) unless --no-login."})
final class RegisterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The new user's name.")
    String username;

    @Option(names = "--password", paramLabel = "PW",
            description = "Password (visible to other local users in the process list; prefer $PARLEY_PASSWORD or the prompt).")
    String password;

    @Option(names = "--device-name", paramLabel = "NAME", description = "Name of this device (default: cli@HOST).")
    String deviceName;

    @Option(names = "--no-login", description = "Only create the account; do not log in or save a profile.")
    boolean noLogin;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var uri = options.serverUri(java.util.Optional.empty());
        ParleyAccounts accounts = ParleyAccounts.of(uri);
        String pw = ClientOptions.password(password, in, out, "password for " + username + ": ");
        try {
            String user = options.await(accounts.register(username, pw));
            out.println("registered " + user + " on " + uri);
            if (!noLogin) {
                Profile p = LoginCommand.login(options, accounts, uri, user, pw,
                        deviceName != null ? deviceName : ClientOptions.defaultDeviceName());
                out.println("logged in as " + p.user() + " (device " + p.device() + "), profile " + options.profileName());
            }
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "register", e);
        }
    }
}
