package dev.parley.cli;

import dev.parley.push.webpush.VapidKeyPair;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code parley vapid-keys}: prints a new VAPID key pair for Web Push, as configuration. */
@Command(name = "vapid-keys", mixinStandardHelpOptions = true,
        description = {
            "Prints a new VAPID key pair (P-256, base64url) for Web Push, as the push.webpush section",
            "of parley.yaml. The public key is the applicationServerKey web apps subscribe with;",
            "keep the private key secret.",
        })
final class VapidKeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        VapidKeyPair keys = VapidKeyPair.generate();
        PrintWriter out = spec.commandLine().getOut();
        out.println("push:");
        out.println("  webpush:");
        out.println("    enabled: true");
        out.println("    publicKey: \"" + keys.publicKey() + "\"");
        out.println("    privateKey: \"" + keys.privateKey() + "\"");
        out.println("    subject: \"mailto:you@example.com\"");
        out.flush();
        return 0;
    }
}
