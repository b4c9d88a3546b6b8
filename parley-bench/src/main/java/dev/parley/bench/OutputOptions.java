package dev.parley.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of every scenario: what a run leaves behind besides its table on stdout. */
final class OutputOptions {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON to FILE.")
    Path json;

    @Option(names = "--keep", description = "Keep the temporary directory (server data, config and logs, worker specs).")
    boolean keep;
}
