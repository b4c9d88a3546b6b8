package dev.parley.protocol;

/**
 * Stable error codes sent on the wire in {@code error} frames and HTTP error bodies.
 *
 * <p>The names never change once released; clients switch on them. A retryable code means the
 * same request may succeed if sent again later (after the server recovers or the rate window
 * passes); a fatal one means the request itself is wrong.
 */
public enum ErrorCode {
    /** The frame is not valid JSON, or not a JSON object. */
    MALFORMED_FRAME(false, 400),
    /** The frame's {@code type} is missing or not one this protocol version knows. */
    UNKNOWN_TYPE(false, 400),
    /** A required field is missing, has the wrong JSON type, or is out of range. */
    INVALID_FIELD(false, 400),
    /** The frame exceeds the configured maximum frame size. */
    FRAME_TOO_LARGE(false, 413),
    /** A text frame did not carry valid UTF-8; the connection is closed (RFC 6455 requires it). */
    INVALID_UTF8(false, 400),
    /** The message body exceeds the configured maximum body size. */
    MESSAGE_TOO_LARGE(false, 413),
    /** No valid token was presented, or the token was revoked. */
    UNAUTHENTICATED(false, 401),
    /** Username or password wrong. */
    BAD_CREDENTIALS(false, 401),
    /** The caller may not do this (for example, change a group it is not in). */
    FORBIDDEN(false, 403),
    /** The conversation does not exist or the caller is not a member; the two are not distinguished. */
    CONVERSATION_NOT_FOUND(false, 404),
    /** The named user does not exist. */
    USER_NOT_FOUND(false, 404),
    /** The named device does not exist (or is not the caller's). */
    DEVICE_NOT_FOUND(false, 404),
    /** A message with that sequence number does not exist in the conversation. */
    MESSAGE_NOT_FOUND(false, 404),
    /** The username is already registered. */
    USERNAME_TAKEN(false, 409),
    /** The username does not match the allowed pattern. */
    INVALID_USERNAME(false, 400),
    /** The password is too short or too long (length counted without leading and trailing whitespace). */
    INVALID_PASSWORD(false, 400),
    /** The password is one of the most common passwords, or the username itself: choose another. */
    WEAK_PASSWORD(false, 400),
    /** The user already has the configured maximum of devices; log one out before logging in another. */
    DEVICE_LIMIT_REACHED(false, 409),
    /** The operation needs a group but the conversation is a direct one. */
    NOT_A_GROUP(false, 400),
    /** Adding these members would exceed the configured group size limit. */
    GROUP_FULL(false, 409),
    /** The user's other devices already hold the configured number of push targets. */
    TOO_MANY_PUSH_TARGETS(false, 409),
    /**
     * The user does not allow the caller to add them to groups (their {@code groupAdd} setting is
     * {@code nobody}, or {@code contacts} and the caller is not in their contacts).
     */
    ADD_NOT_ALLOWED(false, 403),
    /** The caller's contact list already holds the configured maximum number of contacts. */
    CONTACTS_FULL(false, 409),
    /**
     * Too many requests in the current window (frames of a connection, sends of a user, login or
     * registration attempts of an address or account, membership changes of a group or user);
     * retry after {@code retryAfterMs} when given.
     */
    RATE_LIMITED(true, 429),
    /** The server is saturated (its password-hashing queue is full); nothing was done; retry shortly. */
    SERVER_BUSY(true, 503),
    /** The server is shutting down; reconnect (possibly to another server) and retry. */
    SHUTTING_DOWN(true, 503),
    /** A dependency (store, router) is unavailable; nothing was stored; retry later. */
    UNAVAILABLE(true, 503),
    /** An unexpected server error; nothing was acknowledged; retry later. */
    INTERNAL(true, 500);

    private final boolean retryable;
    private final int httpStatus;

    ErrorCode(boolean retryable, int httpStatus) {
        this.retryable = retryable;
        this.httpStatus = httpStatus;
    }

    /** Whether the same request may succeed if retried later. */
    public boolean retryable() {
        return retryable;
    }

    /** The HTTP status used when this error answers a REST request. */
    public int httpStatus() {
        return httpStatus;
    }
}
