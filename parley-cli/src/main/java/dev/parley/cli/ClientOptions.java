package dev.parley.cli;

import dev.parley.client.ParleyClientException;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/** Options shared by the client commands, and helpers they use. */
final class ClientOptions {
    static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

    @Option(names = "--server", paramLabel = "URL",
            description = "Server base URL (default: the profile's, else $PARLEY_SERVER, else " + DEFAULT_SERVER + ").")
    String server;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "Profile name: the login is kept in ~/.parley/profile-NAME.json "
                    + "($PARLEY_HOME instead of ~/.parley if set; default: $PARLEY_PROFILE, else 'default').")
    String profile;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to wait for the server (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    String profileName() {
        if (profile != null) {
            return profile;
        }
        String env = System.getenv("PARLEY_PROFILE");
        return env != null && !env.isBlank() ? env : "default";
    }

    Path profileFile() {
        return Profile.file(Profile.home(), profileName());
    }

    Optional<Profile> loadProfile() {
        return Profile.load(profileFile());
    }

    /** The server to talk to: --server, else the profile's, else $PARLEY_SERVER, else the default. */
    URI serverUri(Optional<Profile> profile) {
        String s = server;
        if (s == null && profile.isPresent()) {
            s = profile.get().server();
        }
        if (s == null) {
            String env = System.getenv("PARLEY_SERVER");
            s = env != null && !env.isBlank() ? env : DEFAULT_SERVER;
        }
        URI uri = URI.create(s.strip());
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("--server must be a URL such as " + DEFAULT_SERVER + ", got " + s);
        }
        return uri;
    }

    Duration timeout() {
        return Duration.ofSeconds(Math.max(1, timeoutSeconds));
    }

    /** Waits for {@code f}; failures come back as {@link ParleyClientException} (timeouts as code TIMEOUT). */
    <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new ParleyClientException(ParleyClientException.TIMEOUT,
                    "no answer within " + timeout().toSeconds() + " s", 0, true, e);
        } catch (ExecutionException e) {
            ParleyClientException pce = ParleyClientException.unwrap(e);
            if (pce != null) {
                throw pce;
            }
            throw new ParleyClientException(ParleyClientException.PROTOCOL, String.valueOf(e.getCause()), 0, false, e.getCause());
        }
    }

    /** Connects {@code client}, turning a timeout into a message that names the server. */
    void connect(dev.parley.client.ParleyClient client, URI uri) throws InterruptedException {
        try {
            await(client.connect());
        } catch (ParleyClientException e) {
            if (ParleyClientException.TIMEOUT.equals(e.code())) {
                throw new ParleyClientException(ParleyClientException.TIMEOUT,
                        "cannot reach " + uri + " within " + timeout().toSeconds() + " s", 0, true, e);
            }
            throw e;
        }
    }

    /** Prints a failure in one line and returns the matching exit code. */
    static int report(PrintWriter err, String what, ParleyClientException e) {
        err.println("parley " + what + ": " + e.getMessage());
        err.flush();
        if (ParleyClientException.NETWORK.equals(e.code()) || ParleyClientException.TIMEOUT.equals(e.code())
                || ParleyClientException.NOT_CONNECTED.equals(e.code())) {
            return ParleyCommand.EXIT_UNREACHABLE;
        }
        return ParleyCommand.EXIT_REFUSED;
    }

    /**
     * The password: {@code given} if set, else $PARLEY_PASSWORD, else asked on the console
     * without echo, else the next line of {@code in}.
     */
    static String password(String given, BufferedReader in, PrintWriter out, String prompt) throws IOException {
        if (given != null) {
            return given;
        }
        String env = System.getenv("PARLEY_PASSWORD");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        Console console = System.console();
        if (console != null) {
            char[] pw = console.readPassword("%s", prompt);
            if (pw == null) {
                throw new IOException("no password given");
            }
            return new String(pw);
        }
        out.print(prompt);
        out.flush();
        String line = in.readLine();
        if (line == null) {
            throw new IOException("no password given (end of input)");
        }
        return line;
    }

    /** The default device name: "cli@" and the host name. */
    static String defaultDeviceName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return "cli@" + host;
    }
}
