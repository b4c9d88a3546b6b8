package dev.parley.devservices;

import java.time.Duration;

/** Start-up deadlines, generous for shared 2-core machines; {@value #PROPERTY} (seconds) overrides them all. */
final class Timeouts {
    static final String PROPERTY = "parley.devservices.startTimeoutSeconds";

    private Timeouts() {
    }

    static Duration start(Duration dflt) {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be a whole number of seconds, not \"" + v + "\"", e);
        }
    }
}
