package dev.parley.cli;

import dev.parley.client.CursorStore;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.protocol.ServerFrame;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley send --to USER TEXT}: sends one message, waits for ✓ and prints its ids. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {
            "Sends one message, waits for ✓ and prints its ids.",
            "✓ means the server has stored it; the output line is:",
            "  ✓ conv=d:alice:bob seq=7 msgId=...",
        })
final class SendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to", paramLabel = "USER", required = true, description = "Send to the direct conversation with USER.")
        String to;

        @Option(names = "--conv", paramLabel = "CONV", required = true, description = "Send to conversation CONV (an id from `chat` /list).")
        String conv;
    }

    @Option(names = "--content-type", paramLabel = "TYPE", description = "Content type (default: the server's, text/plain).")
    String contentType;

    @Option(names = "--client-msg-id", paramLabel = "ID",
            description = "Client message id; sending again with the same id never makes a second message (default: random).")
    String clientMsgId;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "The message; several words are joined with spaces.")
    List<String> text;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        var profile = options.loadProfile();
        if (profile.isEmpty()) {
            err.println("parley send: no profile '" + options.profileName() + "'; run `parley login USER` or `parley register USER` first");
            return ParleyCommand.EXIT_USAGE;
        }
        // An in-memory cursor: this short-lived client must not move the cursor of `chat`.
        java.net.URI uri = options.serverUri(profile);
        try (ParleyClient client = ParleyClient.builder(uri, profile.get().token())
                .cursorStore(CursorStore.inMemory())
                .requestTimeout(options.timeout())
                .sendRetry(10, options.timeout())
                .build()) {
            options.connect(client, uri);
            String conv = target.conv;
            if (target.to != null) {
                conv = options.await(client.openDirect(target.to)).conv();
            }
            ServerFrame.Sent sent = options.await(client.send(conv, String.join(" ", text), contentType, clientMsgId));
            out.println(format(sent));
            out.flush();
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "send", e);
        }
    }

    static String format(ServerFrame.Sent sent) {
        return "✓ conv=" + sent.conv() + " seq=" + sent.seq() + " msgId=" + sent.msgId()
                + (sent.duplicate() ? " (already stored: duplicate)" : "");
    }
}
