package dev.parley.protocol;

import java.util.Objects;

/**
 * A failure with a stable {@link ErrorCode}; the one exception type that crosses the core's
 * boundary and is turned into an {@code error} frame or an HTTP error by the transport.
 */
public class ParleyException extends RuntimeException {
    private final ErrorCode code;
    private final long retryAfterMs;

    public ParleyException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
        this.retryAfterMs = 0;
    }

    /**
     * A retryable failure with a hint: the same request can succeed after {@code retryAfterMs}
     * milliseconds (sent as {@code retryAfterMs} in error frames and as {@code Retry-After} on REST).
     */
    public ParleyException(ErrorCode code, String message, long retryAfterMs) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
        if (retryAfterMs < 0) {
            throw new IllegalArgumentException("retryAfterMs must not be negative, was " + retryAfterMs);
        }
        this.retryAfterMs = retryAfterMs;
    }

    /**
     * {@code RATE_LIMITED}: {@code message}, then when to retry, {@code waitNanos} rounded up to
     * whole milliseconds (at least one), also as the {@code retryAfterMs} hint.
     */
    public static ParleyException rateLimited(String message, long waitNanos) {
        long ms = Math.max(1, (waitNanos + 999_999) / 1_000_000);
        return new ParleyException(ErrorCode.RATE_LIMITED, message + "; retry in " + ms + " ms", ms);
    }

    public ParleyException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.retryAfterMs = 0;
    }

    public ErrorCode code() {
        return code;
    }

    /** Milliseconds after which the request may succeed; 0 when there is no such hint. */
    public long retryAfterMs() {
        return retryAfterMs;
    }

    /** Unwraps completion wrappers and returns the {@link ParleyException} inside, or an INTERNAL one. */
    public static ParleyException from(Throwable t) {
        Throwable cur = t;
        while (cur != null) {
            if (cur instanceof ParleyException pe) {
                return pe;
            }
            if (cur.getCause() == cur) {
                break;
            }
            cur = cur.getCause();
        }
        return new ParleyException(ErrorCode.INTERNAL, "internal error", t);
    }
}
