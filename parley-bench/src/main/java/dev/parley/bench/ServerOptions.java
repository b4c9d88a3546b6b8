package dev.parley.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of every scenario: the already running server(s) a run talks to instead of starting its own. */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", split = ",",
            description = "An already running server (http://host:port); repeat it (or separate with commas) for the chat servers of a scale-out deployment: connection i goes to server i mod N, so the two sides of a pair are on different servers. Default: start an embedded server in a child JVM with a temporary data directory.")
    List<URI> urls = new ArrayList<>();

    @Option(names = "--server-admin", paramLabel = "URL",
            description = "The admin listener (server.admin.host:port, where /metrics is served) of the first --server, "
                    + "for the server's memory figures; default: none (those figures are left unknown).")
    URI admin;

    @Option(names = "--allow-remote", description = "Allow a --server that is not on this machine (loopback). Off by default so that a typo never loads someone else's host.")
    boolean allowRemote;

    @Option(names = "--server-pid", paramLabel = "PID", defaultValue = "-1",
            description = "Process id of the --server, to read its memory and CPU from /proc and run jcmd GC.run.")
    long pid;
}
