package dev.parley.cli;

import dev.parley.server.ParleyServer;
import dev.parley.server.config.ConfigException;
import dev.parley.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley serve}: runs the server in this process until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
            "Runs the Parley server until SIGTERM or Ctrl-C.",
            "Uses the embedded store under the data folder; shuts down gracefully.",
            "Configuration: defaults, then --config FILE, then PARLEY_* environment variables,",
            "then --port / --data."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "Port for HTTP and WebSocket (0 = any free port).")
    Integer port;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder of the embedded store.")
    Path data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (port != null && (port < 0 || port > 65535)) {
            err.println("parley serve: --port must be between 0 and 65535");
            return ParleyCommand.EXIT_USAGE;
        }
        ServerConfig cfg;
        try {
            cfg = ServerConfig.load(config, System.getenv());
        } catch (ConfigException e) {
            err.println("parley serve: invalid configuration: " + e.getMessage());
            return ParleyCommand.EXIT_USAGE;
        }
        if (port != null) {
            cfg = cfg.withPort(port);
        }
        if (data != null) {
            cfg = cfg.withDataDir(data);
        }
        ParleyServer server;
        try {
            server = ParleyServer.start(cfg);
        } catch (ConfigException e) {
            err.println("parley serve: " + e.getMessage());
            return ParleyCommand.EXIT_USAGE;
        } catch (RuntimeException e) {
            err.println("parley serve: cannot start: " + e.getMessage());
            return ParleyCommand.EXIT_REFUSED;
        }
        AtomicBoolean closed = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (closed.compareAndSet(false, true)) {
                server.close();
            }
        }, "parley-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (server.adminUrl() != null) {
            // Before the banner, which harnesses wait for: by then both addresses are known.
            out.println("Parley admin (metrics, health) on " + server.adminUrl());
        }
        out.println(banner(server.listenUrl()));
        out.flush();
        server.awaitShutdown();
        if (closed.compareAndSet(false, true)) {
            server.close();
        }
        return 0;
    }

    /** The start-up line that people read and test harnesses wait for. */
    static String banner(String listenUrl) {
        String http = listenUrl.endsWith("/") ? listenUrl.substring(0, listenUrl.length() - 1) : listenUrl;
        String ws = http.startsWith("https://") ? "wss://" + http.substring(8) : "ws://" + http.substring(http.indexOf("://") + 3);
        return "Parley listening on " + http + " (web client " + http + "/, WebSocket " + ws + "/ws, REST " + http
                + "/v1, health " + http + "/health)";
    }
}
