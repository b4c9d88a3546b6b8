/**
 * The HTTP side of the transport: the REST API ({@code /v1}), {@code /health} and static files
 * ({@link dev.parley.server.http.HttpApiHandler}); the admin listener's {@code /metrics} and
 * {@code /health} ({@link dev.parley.server.http.AdminHttpHandler}); and the guards in front of
 * both: {@link dev.parley.server.http.HttpExchangeControl} (requests answered one at a time and
 * in order, a bounded pipeline, request and idle deadlines, HTTP/1.x only, upgrades refused
 * while draining), {@link dev.parley.server.http.HttpBodyLimit} (413 in turn, with the error
 * body) and {@link dev.parley.server.http.HttpConnectionLimit}. Errors are
 * {@code {"error":{"code","message","retryable"}}} with the HTTP status of the
 * {@link dev.parley.protocol.ErrorCode}, or an HTTP-level code ({@code NOT_FOUND},
 * {@code METHOD_NOT_ALLOWED}, {@code BAD_REQUEST}, {@code REQUEST_TIMEOUT},
 * {@code PAYLOAD_TOO_LARGE}, {@code HTTP_VERSION_NOT_SUPPORTED}); tokens, passwords and bodies
 * are never logged.
 */
package dev.parley.server.http;
