/**
 * The REST API ({@code /v1}), {@code /health}, {@code /metrics} and static files. Errors are
 * {@code {"error":{"code","message","retryable"}}} with the HTTP status of the
 * {@link dev.parley.protocol.ErrorCode}; tokens, passwords and bodies are never logged.
 */
package dev.parley.server.http;
