package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyAccounts;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyListener;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.TypingEvent;
import dev.parley.server.ParleyServer;
import dev.parley.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley chat} end to end on a line-editing terminal (JLine over pipes, as on a real
 * terminal), against an in-process server: keystrokes reach the other member as "typing", the
 * line is sent, and the sender sees ✓.
 */
class ChatSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void typingIsSignalledWhileALineIsTypedAndTheLineIsSent(@TempDir Path tmp) throws Exception {
        ServerConfig config = ServerConfig.load(null, Map.of(
                "PARLEY_LIMITS_ARGON2_MEMORY_KIB", "8",
                "PARLEY_LIMITS_ARGON2_ITERATIONS", "1",
                "PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "0")).withPort(0).withDataDir(tmp.resolve("data"));
        try (ParleyServer server = ParleyServer.start(config)) {
            URI uri = URI.create("http://127.0.0.1:" + server.port());
            ParleyAccounts accounts = ParleyAccounts.of(uri);
            accounts.register("alice", "alice-long-password").get(10, TimeUnit.SECONDS);
            accounts.register("bob", "bob-long-password").get(10, TimeUnit.SECONDS);
            ParleyAccounts.DeviceLogin alice = accounts.login("alice", "alice-long-password", "phone").get(10, TimeUnit.SECONDS);
            ParleyAccounts.DeviceLogin bob = accounts.login("bob", "bob-long-password", "laptop").get(10, TimeUnit.SECONDS);

            List<TypingEvent> typing = new CopyOnWriteArrayList<>();
            List<MessageView> messages = new CopyOnWriteArrayList<>();
            try (ParleyClient aliceClient = ParleyClient.builder(uri, alice.token()).listener(new ParleyListener() {
                @Override
                public void onTyping(TypingEvent event) {
                    typing.add(event);
                }

                @Override
                public void onMessage(MessageView message, long cursor) {
                    messages.add(message);
                }
            }).build()) {
                aliceClient.connect().get(10, TimeUnit.SECONDS);
                String conv = aliceClient.openDirect("bob").get(10, TimeUnit.SECONDS).conv();

                PipedOutputStream keys = new PipedOutputStream();
                PipedInputStream keyboard = new PipedInputStream(keys);
                ByteArrayOutputStream screen = new ByteArrayOutputStream();
                Terminal terminal = TerminalBuilder.builder().system(false).streams(keyboard, screen)
                        .type("xterm").encoding(StandardCharsets.UTF_8).build();
                ClientOptions options = new ClientOptions();
                options.timeoutSeconds = 10;
                Profile profile = new Profile(uri.toString(), "bob", bob.device(), bob.token());
                CompletableFuture<Integer> chat = CompletableFuture.supplyAsync(() -> {
                    try (ChatTerminal t = ChatTerminal.interactive(terminal)) {
                        return new ChatSession(options, profile, uri, t, tmp.resolve("bob.cursor")).run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                type(keys, "/open alice\r");
                Awaitility.await().atMost(WAIT).until(() -> screen.toString(StandardCharsets.UTF_8).contains("now in " + conv));
                type(keys, "/hel");
                Thread.sleep(500);
                assertThat(typing).as("typing a command is not typing a message").isEmpty();
                type(keys, "\b\b\b\b");
                type(keys, "hel");
                Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(typing)
                        .anySatisfy(t -> assertThat(t).isEqualTo(new TypingEvent(conv, "bob", "start"))));
                type(keys, "lo\r");
                Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(messages)
                        .anySatisfy(m -> assertThat(m.body()).isEqualTo("hello")));
                Awaitility.await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(typing.get(typing.size() - 1)).isEqualTo(new TypingEvent(conv, "bob", "stop"));
                    assertThat(screen.toString(StandardCharsets.UTF_8)).contains("✓ [" + conv + " #1] hello");
                });
                assertThat(typing).as("one start per burst of keystrokes, not one per key")
                        .filteredOn(t -> t.state().equals("start")).hasSize(1);

                keys.close(); // end of input: the chat ends
                assertThat(chat.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isZero();
            }
        }
    }

    private static void type(PipedOutputStream keys, String text) throws Exception {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }
}
