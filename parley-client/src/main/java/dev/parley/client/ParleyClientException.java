package dev.parley.client;

import dev.parley.protocol.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failure of an SDK operation: an error answered by the server (REST or WebSocket) or a
 * local condition such as a timeout or a closed client.
 *
 * <p>{@link #code()} is always set: the server's stable code (see {@link ErrorCode}), one of the
 * local codes defined here ({@link #NOT_CONNECTED}, {@link #TIMEOUT}, {@link #CLOSED},
 * {@link #NETWORK}, {@link #PROTOCOL}), or {@code HTTP_<status>} when an HTTP error carried no
 * readable body. {@link #errorCode()} gives the {@link ErrorCode} when the code is one this SDK
 * knows. {@link #retryable()} says whether the same request may succeed if sent again later.
 *
 * <p>Futures returned by the SDK complete exceptionally with this type (wrapped in
 * {@link CompletionException} or {@link ExecutionException} by {@code join()} and {@code get()};
 * {@link #unwrap(Throwable)} finds it). Instances are immutable.
 */
public class ParleyClientException extends RuntimeException {
    /** The request needs a connection and the client is not connected right now; retryable. */
    public static final String NOT_CONNECTED = "NOT_CONNECTED";
    /** No reply arrived within the request timeout (or the send's retry budget ran out); retryable. */
    public static final String TIMEOUT = "TIMEOUT";
    /** The client was closed, or the server rejected its token for good; not retryable. */
    public static final String CLOSED = "CLOSED";
    /** The HTTP request failed at the network level (connection refused, reset, ...); retryable. */
    public static final String NETWORK = "NETWORK";
    /** The server answered with something this SDK cannot understand; not retryable. */
    public static final String PROTOCOL = "PROTOCOL";

    private final String code;
    private final ErrorCode errorCode;
    private final int httpStatus;
    private final boolean retryable;
    private final long retryAfterMs;

    /**
     * Creates an exception.
     *
     * @param code       the stable code string, never null
     * @param message    a readable message
     * @param httpStatus the HTTP status of a REST reply, or 0 when there was none
     * @param retryable  whether the same request may succeed later
     * @param cause      the underlying failure, or null
     */
    public ParleyClientException(String code, String message, int httpStatus, boolean retryable, Throwable cause) {
        this(code, message, httpStatus, retryable, 0, cause);
    }

    /**
     * Creates an exception with the server's retry hint.
     *
     * @param retryAfterMs milliseconds after which the request may succeed (the server's
     *                     {@code retryAfterMs}), or 0 when the server gave none
     */
    public ParleyClientException(String code, String message, int httpStatus, boolean retryable, long retryAfterMs,
                                 Throwable cause) {
        super(code + ": " + message, cause);
        this.code = java.util.Objects.requireNonNull(code, "code");
        this.errorCode = lookup(code);
        this.httpStatus = httpStatus;
        this.retryable = retryable;
        this.retryAfterMs = Math.max(0, retryAfterMs);
    }

    /** An error with a known server code; retryable as the code says. */
    public ParleyClientException(ErrorCode code, String message) {
        this(code.name(), message, 0, code.retryable(), null);
    }

    /** The stable code string; never null. */
    public String code() {
        return code;
    }

    /** The server error code, or null for local codes and codes newer than this SDK. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The HTTP status of the REST reply that carried the error, or 0 (WebSocket or local failure). */
    public int httpStatus() {
        return httpStatus;
    }

    /** Whether the same request may succeed if sent again later. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * How long to wait before the same request may succeed, as the server said
     * ({@code RATE_LIMITED}, {@code SERVER_BUSY}); 0 when it gave no hint.
     */
    public long retryAfterMs() {
        return retryAfterMs;
    }

    /**
     * Finds the {@code ParleyClientException} inside the wrappers that {@code join()} or
     * {@code get()} add; returns null when there is none.
     */
    public static ParleyClientException unwrap(Throwable t) {
        Throwable cur = t;
        for (int depth = 0; cur != null && depth < 16; depth++) {
            if (cur instanceof ParleyClientException pce) {
                return pce;
            }
            cur = cur.getCause();
        }
        return null;
    }

    static ParleyClientException local(String code, String message, boolean retryable) {
        return new ParleyClientException(code, message, 0, retryable, null);
    }

    private static ErrorCode lookup(String code) {
        try {
            return ErrorCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
