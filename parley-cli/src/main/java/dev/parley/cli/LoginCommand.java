package dev.parley.cli;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley login USER}: logs this machine in as a new device and saves the profile. */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Logs this machine in as a new device.", "Its token is saved in the profile (mode 600)."})
final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user to log in as.")
    String username;

    @Option(names = "--password", paramLabel = "PW",
            description = "Password (visible to other local users in the process list; prefer $PARLEY_PASSWORD or the prompt).")
    String password;

    @Option(names = "--device-name", paramLabel = "NAME", description = "Name of this device (default: cli@HOST).")
    String deviceName;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        URI uri = options.serverUri(java.util.Optional.empty());
        String pw = ClientOptions.password(password, in, out, "password for " + username + ": ");
        try {
            Profile p = login(options, ParleyAccounts.of(uri), uri, username, pw,
                    deviceName != null ? deviceName : ClientOptions.defaultDeviceName());
            out.println("logged in as " + p.user() + " (device " + p.device() + "), profile " + options.profileName());
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "login", e);
        }
    }

    /** Logs in and saves the profile; shared with register and chat. */
    static Profile login(ClientOptions options, ParleyAccounts accounts, URI uri, String user, String password,
                         String deviceName) throws InterruptedException {
        ParleyAccounts.DeviceLogin login = options.await(accounts.login(user, password, deviceName));
        Profile p = new Profile(uri.toString(), login.user(), login.device(), login.token());
        p.save(options.profileFile());
        return p;
    }
}
