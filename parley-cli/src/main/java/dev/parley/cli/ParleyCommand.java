package dev.parley.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code parley} command: runs the server ({@code serve}) and a terminal client
 * ({@code register}, {@code login}, {@code chat}, {@code send}, {@code tail}).
 *
 * <p>Exit codes: 0 success, 1 the server refused (error code printed), 2 bad usage or
 * configuration, 3 the server could not be reached in time.
 */
@Command(name = "parley",
        mixinStandardHelpOptions = true,
        versionProvider = ParleyCommand.Version.class,
        description = {
            "Parley: a WhatsApp-style messaging server and its terminal client.",
            "",
            "Start a server:   parley serve",
            "Then, per user:   parley register alice",
            "                  parley chat",
        },
        subcommands = {
            ServeCommand.class,
            RegisterCommand.class,
            LoginCommand.class,
            ChatCommand.class,
            SendCommand.class,
            TailCommand.class,
            ContactsCommand.class,
            PushCommand.class,
            VapidKeysCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class ParleyCommand implements Runnable {
    /** Exit code when the server answered with an error. */
    static final int EXIT_REFUSED = 1;
    /** Exit code for bad usage or configuration (picocli's own usage errors are 2 as well). */
    static final int EXIT_USAGE = 2;
    /** Exit code when the server could not be reached. */
    static final int EXIT_UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Entry point. */
    public static void main(String[] args) {
        configureLogging(args);
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The configured command line (also used by tests). */
    static CommandLine commandLine() {
        return new CommandLine(new ParleyCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpAutoWidth(true);
    }

    /**
     * Chooses the logback configuration and level before anything logs: INFO for the server,
     * WARN for the client commands whose stdout is meant for people and scripts.
     */
    static void configureLogging(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "parley-cli-logback.xml");
        }
        if (System.getProperty("parley.log.level") == null) {
            boolean serve = args.length > 0 && "serve".equals(args[0]);
            System.setProperty("parley.log.level", serve ? "INFO" : "WARN");
        }
    }

    /** The version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ParleyCommand.class.getPackage().getImplementationVersion();
            return new String[] {"Parley " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
