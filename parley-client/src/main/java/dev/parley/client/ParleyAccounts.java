package dev.parley.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.protocol.ServerFrame.ConversationView;
import dev.parley.protocol.ServerFrame.HistoryPage;
import dev.parley.protocol.ServerFrame.PresenceView;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The REST side of Parley: accounts, device logins, and read-only views (conversations, history,
 * presence) that need no WebSocket.
 *
 * <p>Threading: thread-safe; every method returns at once. Futures complete on the
 * {@link HttpClient}'s executor threads, so dependent stages must not block for long there.
 *
 * <p>Failures: futures complete exceptionally with {@link ParleyClientException}: the server's
 * error code and HTTP status for an error reply ({@code 409 USERNAME_TAKEN},
 * {@code 401 BAD_CREDENTIALS}, {@code 401 UNAUTHENTICATED}, ...), code
 * {@link ParleyClientException#NETWORK} (retryable) when the server cannot be reached,
 * {@link ParleyClientException#TIMEOUT} after the request timeout, or
 * {@link ParleyClientException#PROTOCOL} for an unreadable reply. Null arguments throw
 * {@link NullPointerException} at once.
 */
public final class ParleyAccounts {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The result of a login: the user, the new device's id, and its bearer token (a secret). */
    public record DeviceLogin(String user, String device, String token) {
        /** Leaves the token out, so that a log line never leaks it. */
        @Override
        public String toString() {
            return "DeviceLogin[user=" + user + ", device=" + device + ", token=***]";
        }
    }

    /** One of the user's devices; {@code current} marks the device whose token made the request. */
    public record DeviceInfo(String device, String name, long createdAt, boolean current) {
    }

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json;

    private ParleyAccounts(URI base, HttpClient http, Duration timeout) {
        this.base = base;
        this.http = http;
        this.timeout = timeout;
        this.json = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    /**
     * A REST client for the server at {@code baseUri} (such as {@code http://127.0.0.1:8080});
     * requests time out after 10 seconds.
     *
     * @throws IllegalArgumentException if the scheme is not http or https
     */
    public static ParleyAccounts of(URI baseUri) {
        return of(baseUri, HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(DEFAULT_TIMEOUT)
                .build(), DEFAULT_TIMEOUT);
    }

    /** Like {@link #of(URI)} with a caller-supplied HTTP client and per-request timeout. */
    public static ParleyAccounts of(URI baseUri, HttpClient http, Duration requestTimeout) {
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        return new ParleyAccounts(normalizeBase(baseUri), http, requestTimeout);
    }

    /** The base URI requests go to, without a trailing slash. */
    public URI baseUri() {
        return base;
    }

    /**
     * Registers a user. Completes with the username as the server stored it; fails with
     * {@code USERNAME_TAKEN} (409), {@code INVALID_USERNAME}, {@code INVALID_PASSWORD} or
     * {@code WEAK_PASSWORD} (400), {@code RATE_LIMITED} (429, too many attempts from this address;
     * see {@link ParleyClientException#retryAfterMs()}) or {@code SERVER_BUSY} (503).
     */
    public CompletableFuture<String> register(String username, String password) {
        ObjectNode body = json.createObjectNode()
                .put("username", Objects.requireNonNull(username, "username"))
                .put("password", Objects.requireNonNull(password, "password"));
        return call("POST", "/v1/users", null, body, node -> userName(node.path("user")));
    }

    /**
     * Logs a new device in. Completes with its id and bearer token; fails with
     * {@code BAD_CREDENTIALS} (401), {@code DEVICE_LIMIT_REACHED} (409: the user has the most
     * devices allowed; log one out, or see {@link #login(String, String, String, boolean)}),
     * {@code RATE_LIMITED} (429: too many attempts from this address or failed logins of this
     * account; see {@link ParleyClientException#retryAfterMs()}) or {@code SERVER_BUSY} (503).
     */
    public CompletableFuture<DeviceLogin> login(String username, String password, String deviceName) {
        return login(username, password, deviceName, false);
    }

    /**
     * Logs a new device in like {@link #login(String, String, String)}; with {@code replaceOldest},
     * a user who already has the most devices allowed logs the oldest one out instead of failing.
     */
    public CompletableFuture<DeviceLogin> login(String username, String password, String deviceName,
                                                boolean replaceOldest) {
        ObjectNode body = json.createObjectNode()
                .put("username", Objects.requireNonNull(username, "username"))
                .put("password", Objects.requireNonNull(password, "password"))
                .put("deviceName", Objects.requireNonNull(deviceName, "deviceName"));
        if (replaceOldest) {
            body.put("replaceOldest", true);
        }
        return call("POST", "/v1/sessions", null, body, node -> new DeviceLogin(
                userName(node.path("user")), requireText(node, "device"), requireText(node, "token")));
    }

    /** The devices of the token's user. */
    public CompletableFuture<List<DeviceInfo>> devices(String token) {
        return call("GET", "/v1/devices", token(token), null, node -> list(node, "devices", DeviceInfo.class));
    }

    /**
     * Revokes one of the user's devices (its token stops working and its connections close);
     * fails with {@code DEVICE_NOT_FOUND} when the user has no such device.
     */
    public CompletableFuture<Void> revokeDevice(String token, String deviceId) {
        return call("DELETE", "/v1/devices/" + segment(deviceId, "deviceId"), token(token), null, node -> null);
    }

    /** The user's conversations. */
    public CompletableFuture<List<ConversationView>> conversations(String token) {
        return call("GET", "/v1/conversations", token(token), null,
                node -> list(node, "conversations", ConversationView.class));
    }

    /**
     * One page of a conversation's history (oldest first); fails with
     * {@code CONVERSATION_NOT_FOUND} unless the user is a member. The page's {@code id} is null.
     */
    public CompletableFuture<HistoryPage> history(String token, String conv, HistoryRequest request) {
        Objects.requireNonNull(request, "request");
        String query = request.toQuery();
        String path = "/v1/conversations/" + segment(conv, "conv") + "/messages" + (query.isEmpty() ? "" : "?" + query);
        return call("GET", path, token(token), null, node -> convert(node, HistoryPage.class));
    }

    /** One conversation with its members and admins; fails with {@code CONVERSATION_NOT_FOUND} unless a member. */
    public CompletableFuture<ConversationView> conversation(String token, String conv) {
        return call("GET", "/v1/conversations/" + segment(conv, "conv"), token(token), null,
                node -> convert(node, ConversationView.class));
    }

    /** The token's user's contacts, sorted. */
    public CompletableFuture<List<String>> contacts(String token) {
        return call("GET", "/v1/contacts", token(token), null, node -> list(node, "contacts", String.class));
    }

    /** Adds {@code user} to the token's user's contacts; idempotent. */
    public CompletableFuture<Void> addContact(String token, String user) {
        return call("PUT", "/v1/contacts/" + segment(user, "user"), token(token), null, node -> null);
    }

    /** Removes {@code user} from the token's user's contacts; idempotent. */
    public CompletableFuture<Void> removeContact(String token, String user) {
        return call("DELETE", "/v1/contacts/" + segment(user, "user"), token(token), null, node -> null);
    }

    /** A user's presence ({@code lastSeen} null when hidden by their privacy setting). */
    public CompletableFuture<PresenceView> presence(String token, String user) {
        return call("GET", "/v1/users/" + segment(user, "user") + "/presence", token(token), null,
                node -> convert(node, PresenceView.class));
    }

    /**
     * Registers where the server wakes the token's device when it has no connection: provider
     * {@code apns} (target: the device token in hex), {@code fcm} (the registration token),
     * {@code webpush} (the browser's PushSubscription as JSON) or {@code webhook} (an http(s) URL).
     * Fails with {@code INVALID_FIELD} for a provider the server does not enable or an unusable
     * target, {@code TOO_MANY_PUSH_TARGETS} when the user's other devices hold the cap.
     */
    public CompletableFuture<Void> setPushTarget(String token, String provider, String target) {
        ObjectNode body = json.createObjectNode()
                .put("provider", Objects.requireNonNull(provider, "provider"))
                .put("target", Objects.requireNonNull(target, "target"));
        return call("PUT", "/v1/devices/current/push", token(token), body, node -> null);
    }

    /** Removes the push target of the token's device: it is no longer woken. */
    public CompletableFuture<Void> clearPushTarget(String token) {
        return call("DELETE", "/v1/devices/current/push", token(token), null, node -> null);
    }

    // ------------------------------------------------------------------------------------------

    private <T> CompletableFuture<T> call(String method, String path, String token, JsonNode body,
                                          Function<JsonNode, T> parse) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        if (token != null) {
            rb.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            rb.header("Content-Type", "application/json");
            rb.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .whenComplete((resp, err) -> {
                    if (err != null) {
                        result.completeExceptionally(networkFailure(method, path, err));
                        return;
                    }
                    try {
                        result.complete(handle(resp, parse));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
        return result;
    }

    private <T> T handle(HttpResponse<String> resp, Function<JsonNode, T> parse) {
        int status = resp.statusCode();
        String text = resp.body() == null ? "" : resp.body();
        if (status >= 200 && status < 300) {
            if (status == 204 || text.isBlank()) {
                return parse.apply(json.createObjectNode());
            }
            try {
                return parse.apply(json.readTree(text));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new ParleyClientException(ParleyClientException.PROTOCOL,
                        "unreadable reply from " + resp.uri().getPath() + ": " + e.getMessage(), status, false, e);
            }
        }
        throw httpError(status, text);
    }

    /** Turns an HTTP error response into an exception; package-private for tests. */
    ParleyClientException httpError(int status, String text) {
        boolean retryableStatus = status == 429 || status >= 500;
        try {
            JsonNode err = json.readTree(text).path("error");
            if (err.isObject() && err.path("code").isTextual()) {
                String code = err.path("code").asText();
                String message = err.path("message").asText(code);
                boolean retryable = err.has("retryable") ? err.path("retryable").asBoolean() : retryableStatus;
                return new ParleyClientException(code, message, status, retryable, err.path("retryAfterMs").asLong(0), null);
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // fall through: the body is not a Parley error, report the status
        }
        String snippet = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        return new ParleyClientException("HTTP_" + status,
                snippet.isBlank() ? "HTTP status " + status : snippet.strip(), status, retryableStatus, null);
    }

    /** A short readable cause of a network failure. */
    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.ConnectException) {
                return "cannot connect" + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")")
                        + "; is the server running at that address?";
            }
        }
        Throwable cur = t;
        while (cur.getMessage() == null && cur.getCause() != null && cur.getCause() != cur) {
            cur = cur.getCause();
        }
        if (cur instanceof java.nio.channels.ClosedChannelException) {
            return "connection closed";
        }
        return cur.getClass().getSimpleName() + (cur.getMessage() == null ? "" : ": " + cur.getMessage());
    }

    private ParleyClientException networkFailure(String method, String path, Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause() : err;
        if (cause instanceof java.net.http.HttpTimeoutException) {
            return new ParleyClientException(ParleyClientException.TIMEOUT,
                    method + " " + path + " timed out", 0, true, cause);
        }
        return new ParleyClientException(ParleyClientException.NETWORK,
                method + " " + base + path + " failed: " + describe(cause), 0, true, cause);
    }

    private <T> T convert(JsonNode node, Class<T> type) {
        try {
            return json.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private <T> List<T> list(JsonNode node, String field, Class<T> type) {
        JsonNode array = node.path(field);
        if (!array.isArray()) {
            throw new IllegalArgumentException("reply has no array \"" + field + "\"");
        }
        List<T> out = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            out.add(convert(item, type));
        }
        return List.copyOf(out);
    }

    /** The user in a reply: a username string, or an object carrying one. */
    private static String userName(JsonNode user) {
        if (user.isTextual()) {
            return user.asText();
        }
        for (String field : new String[] {"username", "user", "id"}) {
            if (user.path(field).isTextual()) {
                return user.path(field).asText();
            }
        }
        throw new IllegalArgumentException("reply has no \"user\"");
    }

    private static String requireText(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("reply has no string \"" + field + "\"");
        }
        return v.asText();
    }

    private static String token(String token) {
        return Objects.requireNonNull(token, "token");
    }

    /** Percent-encodes one path segment, leaving the characters RFC 3986 allows in it. */
    static String segment(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~:@!$&'()*+,;=".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    static URI normalizeBase(URI baseUri) {
        Objects.requireNonNull(baseUri, "baseUri");
        String scheme = baseUri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("base URI must be http:// or https://, got " + baseUri);
        }
        String s = baseUri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s);
    }
}
