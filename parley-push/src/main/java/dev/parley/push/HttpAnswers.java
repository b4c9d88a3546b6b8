package dev.parley.push;

import dev.parley.core.push.PushResult;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Maps HTTP answers of push endpoints onto {@link PushResult}. */
public final class HttpAnswers {
    private HttpAnswers() {
    }

    /**
     * The common rule of Web Push and webhooks: 2xx accepted; 404 and 410 dead; 408, 425, 429 and
     * 5xx retried (after Retry-After when given); any other status rejected.
     */
    public static PushResult byStatus(int status, Optional<String> retryAfter) {
        if (status / 100 == 2) {
            return PushResult.delivered();
        }
        if (status == 404 || status == 410) {
            return new PushResult.DeadTarget("HTTP " + status);
        }
        if (status == 408 || status == 425 || status == 429 || status / 100 == 5) {
            return new PushResult.Retry(retryAfter.map(HttpAnswers::retryAfter).orElse(null), "HTTP " + status);
        }
        return new PushResult.Rejected("HTTP " + status);
    }

    /** A Retry-After value, in seconds or as an HTTP date; null when unreadable. */
    public static Duration retryAfter(String value) {
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }
}
