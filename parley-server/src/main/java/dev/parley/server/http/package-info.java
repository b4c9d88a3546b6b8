/**
 * The HTTP side of the transport.
 *
 * <ul>
 *   <li>The API port: {@link dev.parley.server.http.HttpApiHandler} answers each request through
 *       the route table of {@link dev.parley.server.http.RestApi}, the one list of every route
 *       ({@code RouteTable} matches method and path; 404 and 405 are decided there). One class per
 *       feature holds its routes' handlers: {@code AccountRoutes} (users, sessions),
 *       {@code DeviceRoutes} (devices, push targets, the Web Push key), {@code ContactRoutes},
 *       {@code ConversationRoutes}, {@code MessageRoutes} (history), {@code PresenceRoutes};
 *       {@code HealthRoute} answers {@code /health} and {@code WebClientRoute} the web client's
 *       files ({@link dev.parley.server.http.StaticFiles}). Handlers read their request through
 *       {@code ApiRequest} (body, fields, query, bearer token) and answer an {@code HttpReply}.</li>
 *   <li>The admin listener's {@code /metrics} and {@code /health}
 *       ({@link dev.parley.server.http.AdminHttpHandler}).</li>
 *   <li>The guards in front of both: {@link dev.parley.server.http.HttpExchangeControl} (requests
 *       answered one at a time and in order, a bounded pipeline, request and idle deadlines,
 *       HTTP/1.x only, upgrades refused while draining), {@link dev.parley.server.http.HttpBodyLimit}
 *       (413 in turn, with the error body) and {@link dev.parley.server.http.HttpConnectionLimit}.</li>
 * </ul>
 *
 * <p>Errors are {@code {"error":{"code","message","retryable"}}} with the HTTP status of the
 * {@link dev.parley.protocol.ErrorCode}, or an HTTP-level code ({@code NOT_FOUND},
 * {@code METHOD_NOT_ALLOWED}, {@code BAD_REQUEST}, {@code REQUEST_TIMEOUT},
 * {@code PAYLOAD_TOO_LARGE}, {@code HTTP_VERSION_NOT_SUPPORTED}), all built by {@code HttpErrors};
 * tokens, passwords and bodies are never logged.
 */
package dev.parley.server.http;
