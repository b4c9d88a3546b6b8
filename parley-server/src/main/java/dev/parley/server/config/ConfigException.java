package dev.parley.server.config;

import java.util.List;

/**
 * The configuration is invalid. The message lists every problem found, one per line, each naming
 * the key (and the file or environment variable it came from) so that all of them can be fixed
 * in one go.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Each problem, without the header line. */
    public List<String> problems() {
        return problems;
    }
}
