package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class ParleyCommandTest {
    @TempDir
    Path dir;

    private static ParseResult parse(String... args) {
        return ParleyCommand.commandLine().parseArgs(args);
    }

    @Test
    void noArgumentsPrintsHelp() {
        StringWriter out = new StringWriter();
        CommandLine cl = ParleyCommand.commandLine().setOut(new PrintWriter(out));
        assertThat(cl.execute()).isZero();
        assertThat(out.toString()).contains("Usage: parley", "serve", "chat", "send", "tail", "register", "login");
    }

    @Test
    void vapidKeysPrintsAConfigurationTheServerAccepts(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = ParleyCommand.commandLine().setOut(new PrintWriter(out));
        assertThat(cl.execute("vapid-keys")).isZero();
        Path yaml = java.nio.file.Files.writeString(dir.resolve("parley.yaml"), out.toString());
        var push = dev.parley.server.config.ServerConfig.load(yaml, java.util.Map.of()).push();
        assertThat(push.webpush().enabled()).isTrue();
        // the printed pair is a usable P-256 pair: the Web Push sender accepts it
        new dev.parley.push.webpush.WebPushSender(new dev.parley.push.webpush.WebPushConfig(
                new dev.parley.push.webpush.VapidKeyPair(push.webpush().publicKey(), push.webpush().privateKey()),
                push.webpush().subject(), java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(1)),
                new dev.parley.push.DestinationGuard(List.of(), false, Runnable::run));
        assertThat(java.util.Base64.getUrlDecoder().decode(push.webpush().publicKey())).hasSize(65);
    }

    @Test
    void pushTakesAProviderAndATarget() {
        PushCommand push = (PushCommand) parse("push", "fcm", "token-1").subcommand().commandSpec().userObject();
        assertThat(push.provider).isEqualTo("fcm");
        assertThat(push.target).isEqualTo("token-1");
        PushCommand none = (PushCommand) parse("push", "none").subcommand().commandSpec().userObject();
        assertThat(none.target).isNull();
    }

    @Test
    void serveOptions() {
        ParseResult r = parse("serve", "--port", "9090", "--data", "/tmp/x", "--config", "p.yaml");
        ServeCommand serve = (ServeCommand) r.subcommand().commandSpec().userObject();
        assertThat(serve.port).isEqualTo(9090);
        assertThat(serve.data).isEqualTo(Path.of("/tmp/x"));
        assertThat(serve.config).isEqualTo(Path.of("p.yaml"));
    }

    @Test
    void sendNeedsExactlyOneTargetAndJoinsTheWords() {
        ParseResult r = parse("send", "--to", "bob", "hello", "there");
        SendCommand send = (SendCommand) r.subcommand().commandSpec().userObject();
        assertThat(send.target.to).isEqualTo("bob");
        assertThat(send.text).isEqualTo(List.of("hello", "there"));

        assertThatThrownBy(() -> parse("send", "hello")).isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> parse("send", "--to", "bob", "--conv", "c", "hi"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("mutually exclusive");
        assertThatThrownBy(() -> parse("send", "--to", "bob")).isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void contactsListsByDefaultAndChangesNeedAUser() {
        ContactsCommand list = (ContactsCommand) parse("contacts").subcommand().commandSpec().userObject();
        assertThat(list.action).isEqualTo("list");
        ContactsCommand add = (ContactsCommand) parse("contacts", "add", "bob").subcommand().commandSpec().userObject();
        assertThat(add.action).isEqualTo("add");
        assertThat(add.user).isEqualTo("bob");

        CommandLine cl = ParleyCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("contacts", "add")).as("add without a user").isEqualTo(ParleyCommand.EXIT_USAGE);
        assertThat(cl.execute("contacts", "befriend", "bob")).isEqualTo(ParleyCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("usage: parley contacts");
    }

    @Test
    void tailAndClientOptions() {
        ParseResult r = parse("tail", "--conv", "g:1", "--count", "3", "--server", "http://h:1", "--profile", "bob");
        TailCommand tail = (TailCommand) r.subcommand().commandSpec().userObject();
        assertThat(tail.conv).isEqualTo("g:1");
        assertThat(tail.count).isEqualTo(3);
        assertThat(tail.options.profileName()).isEqualTo("bob");
        assertThat(tail.options.serverUri(java.util.Optional.empty())).hasToString("http://h:1");
        assertThat(tail.options.timeoutSeconds).isEqualTo(15);
    }

    @Test
    void serverComesFromTheProfileUnlessGiven() {
        ParseResult r = parse("chat");
        ClientOptions o = ((ChatCommand) r.subcommand().commandSpec().userObject()).options;
        Profile p = new Profile("http://saved:7", "alice", "d1", "t");
        assertThat(o.serverUri(java.util.Optional.of(p))).hasToString("http://saved:7");
        o.server = "http://other:8";
        assertThat(o.serverUri(java.util.Optional.of(p))).hasToString("http://other:8");
    }

    @Test
    void bannerNamesAllEndpoints() {
        assertThat(ServeCommand.banner("http://127.0.0.1:8080")).isEqualTo(
                "Parley listening on http://127.0.0.1:8080 (web client http://127.0.0.1:8080/, WebSocket ws://127.0.0.1:8080/ws,"
                        + " REST http://127.0.0.1:8080/v1, health http://127.0.0.1:8080/health)");
        assertThat(ServeCommand.banner("https://chat.example:443/")).contains("wss://chat.example:443/ws");
    }

    @Test
    void profilesAreOwnerOnlyAndRoundTrip() throws Exception {
        Path file = Profile.file(dir.resolve("home"), "alice");
        Profile p = new Profile("http://127.0.0.1:8080", "alice", "dev-1", "secret-token");
        p.save(file);
        assertThat(Profile.load(file)).contains(p);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(p.toString()).doesNotContain("secret-token");
        assertThatThrownBy(() -> Profile.file(dir, "../evil")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loggingIsQuietForClientsAndInfoForTheServer() {
        System.clearProperty("parley.log.level");
        ParleyCommand.configureLogging(new String[] {"chat"});
        assertThat(System.getProperty("parley.log.level")).isEqualTo("WARN");
        System.clearProperty("parley.log.level");
        ParleyCommand.configureLogging(new String[] {"serve"});
        assertThat(System.getProperty("parley.log.level")).isEqualTo("INFO");
        System.clearProperty("parley.log.level");
    }
}
