package dev.parley.server.config;

import java.util.List;

/** The checks the section records run on construction; each adds a problem that names the key. */
final class Checks {

    private Checks() {
    }

    static void range(List<String> problems, ConfigKey k, long value) {
        if (value < k.min || value > k.max) {
            problems.add(k.path + " = " + value + ": must be between " + k.min + " and " + k.max);
        }
    }

    static void text(List<String> problems, ConfigKey k, String value) {
        if (value.length() < k.min || value.length() > k.max) {
            problems.add(k.path + " must be " + k.min + " to " + k.max + " characters");
        }
    }

    static void choice(List<String> problems, ConfigKey k, String value) {
        if (value == null || !k.choices.contains(value)) {
            problems.add(k.path + " = \"" + value + "\": must be one of " + String.join(", ", k.choices));
        }
    }

    static void throwIf(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
