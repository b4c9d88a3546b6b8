package dev.parley.cli;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClientException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley push PROVIDER TARGET | parley push none}: sets or clears this device's push target. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {
            "Sets where the server wakes this device when it is offline, or clears it.",
            "  parley push apns <device token in hex>",
            "  parley push fcm <registration token>",
            "  parley push webpush '{\"endpoint\":...,\"keys\":{\"p256dh\":...,\"auth\":...}}'",
            "  parley push webhook https://hooks.example.com/wake",
            "  parley push none",
        })
final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "PROVIDER", description = "apns, fcm, webpush, webhook, or none to clear.")
    String provider;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TARGET", description = "The provider's target (not with none).")
    String target;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        var profile = options.loadProfile();
        if (profile.isEmpty()) {
            err.println("parley push: no profile '" + options.profileName() + "'; run `parley login USER` first");
            return ParleyCommand.EXIT_USAGE;
        }
        boolean clear = "none".equals(provider);
        if (clear == (target != null)) {
            err.println("parley push: give PROVIDER and TARGET, or just `none` to clear");
            return ParleyCommand.EXIT_USAGE;
        }
        URI uri = options.serverUri(profile);
        ParleyAccounts accounts = ParleyAccounts.of(uri);
        try {
            String token = profile.get().token();
            options.await(clear ? accounts.clearPushTarget(token) : accounts.setPushTarget(token, provider, target));
            out.println(clear ? "push target cleared" : "push target set: " + provider);
            out.flush();
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "push", e);
        }
    }
}
