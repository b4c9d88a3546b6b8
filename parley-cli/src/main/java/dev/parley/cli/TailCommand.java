package dev.parley.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.client.CursorStore;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyClientException;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame.MessageView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley tail}: prints incoming messages as JSON lines. */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {
            "Prints incoming messages as JSON lines.",
            "One object per message (cursor, conv, seq, msgId, from, fromDevice, clientMsgId, ts,",
            "body, contentType), until interrupted; first those this device has not received yet.",
            "Status goes to stderr.",
        })
final class TailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = "--conv", paramLabel = "CONV", description = "Only messages of this conversation.")
    String conv;

    @Option(names = "--count", paramLabel = "N", description = "Exit after N messages.")
    Integer count;

    @Option(names = "--all", description = "Also the user's own messages (sent from other devices).")
    boolean all;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (count != null && count < 1) {
            err.println("parley tail: --count must be at least 1");
            return ParleyCommand.EXIT_USAGE;
        }
        var profile = options.loadProfile();
        if (profile.isEmpty()) {
            err.println("parley tail: no profile '" + options.profileName() + "'; run `parley login USER` first");
            return ParleyCommand.EXIT_USAGE;
        }
        String me = profile.get().user();
        ObjectMapper json = new FrameCodec().mapper();
        CountDownLatch done = new CountDownLatch(count != null ? count : 1);
        AtomicInteger printed = new AtomicInteger();
        ParleyListener listener = new ParleyListener() {
            @Override
            public void onMessage(MessageView m, long cursor) {
                if ((conv != null && !conv.equals(m.conv())) || (!all && me.equals(m.from()))) {
                    return;
                }
                if (count != null && printed.get() >= count) {
                    return;
                }
                ObjectNode line = json.createObjectNode().put("cursor", cursor);
                line.setAll((ObjectNode) json.valueToTree(m));
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
                printed.incrementAndGet();
                if (count != null) {
                    done.countDown();
                }
            }

            @Override
            public void onDisconnected(String reason) {
                if ("closed".equals(reason)) {
                    return;
                }
                err.println("parley tail: disconnected (" + reason + "), reconnecting…");
                err.flush();
            }
        };
        // In-memory cursor: starts where the server says this device stopped acknowledging.
        java.net.URI uri = options.serverUri(profile);
        ParleyClient client = ParleyClient.builder(uri, profile.get().token())
                .listener(listener)
                .cursorStore(CursorStore.inMemory())
                .requestTimeout(options.timeout())
                .build();
        Thread hook = new Thread(client::close, "parley-tail-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            options.connect(client, uri);
            err.println("parley tail: receiving messages for " + me + (count == null ? " (Ctrl-C to stop)" : ""));
            err.flush();
            if (count == null) {
                new CountDownLatch(1).await();
            }
            done.await();
            return 0;
        } catch (ParleyClientException e) {
            return ClientOptions.report(err, "tail", e);
        } finally {
            client.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }
}
