package dev.parley.protocol;

import java.util.Objects;

/**
 * A failure with a stable {@link ErrorCode}; the one exception type that crosses the core's
 * boundary and is turned into an {@code error} frame or an HTTP error by the transport.
 */
public class ParleyException extends RuntimeException {
    private final ErrorCode code;

    public ParleyException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ParleyException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
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
