package dev.parley.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import dev.parley.core.account.Device;
import dev.parley.core.account.LoginThrottle;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.delivery.Views;
import dev.parley.core.message.HistoryQuery;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import dev.parley.server.ServerMetrics;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API, health and static files; every HTTP request that is not a WebSocket
 * upgrade ends here. JSON in and out; every error is
 * {@code {"error":{"code":..,"message":..,"retryable":..}}} with the status of its
 * {@link ErrorCode}, plus {@code NOT_FOUND} (404), {@code METHOD_NOT_ALLOWED} (405) and
 * {@code BAD_REQUEST} (400, an unparseable HTTP request) which are HTTP matters, not protocol codes.
 *
 * <pre>
 * POST   /v1/users                         {"username","password"}              → 201 {"user"}
 * POST   /v1/sessions                      {"username","password","deviceName","replaceOldest"} → 201 {"user","device","token"}
 * GET    /v1/devices                       → {"devices":[{"device","name","createdAt","current"}]}
 * DELETE /v1/devices/{deviceId}            → 204 ({@code current}: this token's device, i.e. log out)
 * PUT    /v1/devices/current/push          {"provider":"apns|fcm|webpush|webhook","target":..}  → 204
 * DELETE /v1/devices/current/push                                                → 204
 * GET    /v1/conversations                 → {"conversations":[ConversationView]}
 * GET    /v1/conversations/{conv}/messages ?beforeSeq|afterSeq|beforeTs|afterTs, limit → {"conv","messages","hasMore"}
 * GET    /v1/conversations/{conv}          → ConversationView (members only)
 * GET    /v1/users/{user}/presence         → {"user","online","lastSeen"}
 * GET    /v1/contacts                      → {"contacts":[user]}
 * PUT    /v1/contacts/{user}               → 204 (idempotent)
 * DELETE /v1/contacts/{user}               → 204 (idempotent)
 * GET    /v1/push/webpush-key              → {"publicKey"} (no token; 404 WEBPUSH_NOT_CONFIGURED without Web Push)
 * GET    /health                           → {"status":"UP","server","sessions"} (503 while shutting down)
 * GET    /anything-else                    → a file of the classpath folder /web/, or 404
 * </pre>
 * Every {@code /v1} route but the first two and the Web Push key needs {@code Authorization: Bearer <token>}.
 *
 * <p>{@code /metrics} is not served here but on the admin listener ({@link AdminHttpHandler}).
 * {@link HttpExchangeControl}, before this handler, passes a connection's requests on one at a
 * time and in order; this handler answers each as it comes.
 * Core calls return stages that are continued on the channel's event loop, which never blocks.
 * Bodies, passwords and tokens are never logged.
 */
public final class HttpApiHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpApiHandler.class);
    private static final String JSON = "application/json";

    private final Parley parley;
    private final ObjectMapper mapper;
    private final ServerMetrics metrics;
    private final StaticFiles staticFiles;
    private final BooleanSupplier shuttingDown;
    private final String webPushPublicKey;

    private ChannelHandlerContext ctx;

    /**
     * @param parley       the core
     * @param mapper       JSON mapper (the wire codec's)
     * @param metrics      where requests are counted
     * @param staticFiles  files served for paths outside the API
     * @param shuttingDown true once the server is stopping ({@code /health} answers 503)
     */
    public HttpApiHandler(Parley parley, ObjectMapper mapper, ServerMetrics metrics, StaticFiles staticFiles,
                          BooleanSupplier shuttingDown) {
        this(parley, mapper, metrics, staticFiles, shuttingDown, null);
    }

    /**
     * The same, serving {@code webPushPublicKey} (the VAPID public key browsers subscribe with;
     * null when the server sends no Web Push) at {@code GET /v1/push/webpush-key}.
     */
    public HttpApiHandler(Parley parley, ObjectMapper mapper, ServerMetrics metrics, StaticFiles staticFiles,
                          BooleanSupplier shuttingDown, String webPushPublicKey) {
        this.webPushPublicKey = webPushPublicKey == null || webPushPublicKey.isEmpty() ? null : webPushPublicKey;
        this.parley = Objects.requireNonNull(parley, "parley");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.staticFiles = Objects.requireNonNull(staticFiles, "staticFiles");
        this.shuttingDown = Objects.requireNonNull(shuttingDown, "shuttingDown");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        serve(req);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof io.netty.handler.codec.DecoderException) {
            // Resets, TLS garbage (a plain-text client on the TLS port): the client's problem, not ours.
            log.debug("HTTP connection {} failed: {}", ctx.channel().id(), cause.toString());
        } else {
            log.warn("unexpected error on HTTP connection {}; closing it", ctx.channel().id(), cause);
        }
        ctx.close();
    }

    // ---- one exchange ---------------------------------------------------------------------

    /** What is kept of a request once it is released: enough to answer it. */
    private record Exchange(HttpMethod method, boolean keepAlive, long startNanos) {
    }

    /** An HTTP-level failure with a status and a code that is not a protocol {@link ErrorCode}. */
    private static final class HttpError extends RuntimeException {
        final HttpResponseStatus status;
        final String code;
        final String allow;

        HttpError(HttpResponseStatus status, String code, String message, String allow) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.allow = allow;
        }
    }

    /** A response body with its status and content type. */
    private record Reply(HttpResponseStatus status, String contentType, byte[] body, List<String[]> headers) {
        static Reply json(HttpResponseStatus status, byte[] body) {
            return new Reply(status, JSON, body, List.of());
        }

        static Reply empty(HttpResponseStatus status) {
            return new Reply(status, null, new byte[0], List.of());
        }
    }

    private String route = "unknown";

    private void serve(FullHttpRequest req) {
        Exchange ex = new Exchange(req.method(), HttpUtil.isKeepAlive(req), System.nanoTime());
        route = "unknown";
        CompletionStage<Reply> reply;
        try {
            if (req.decoderResult().isFailure()) {
                route = "invalid";
                throw new HttpError(HttpResponseStatus.BAD_REQUEST, "BAD_REQUEST", "malformed HTTP request", null);
            }
            reply = dispatch(req);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        } finally {
            req.release();
        }
        reply.whenCompleteAsync((r, e) -> finish(ex, r != null ? r : errorReply(e)), ctx.executor());
    }

    private void finish(Exchange ex, Reply reply) {
        // After an unparseable request the stream position is unknown: close.
        boolean keepAlive = ex.keepAlive() && !shuttingDown.getAsBoolean() && !route.equals("invalid");
        boolean head = HttpMethod.HEAD.equals(ex.method());
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        if (reply.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set("X-Content-Type-Options", "nosniff");
        if (!route.equals("static")) {
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        }
        for (String[] h : reply.headers()) {
            res.headers().add(h[0], h[1]);
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        metrics.httpRequest(ex.method().name(), route, reply.status().code(), System.nanoTime() - ex.startNanos());
        if (!ctx.channel().isActive()) {
            return;
        }
        ChannelFuture written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private Reply errorReply(Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (e instanceof HttpError he) {
            Reply r = Reply.json(he.status, errorBody(he.code, he.getMessage(), false));
            return he.allow == null ? r : new Reply(r.status(), r.contentType(), r.body(),
                    List.<String[]>of(new String[] {HttpHeaderNames.ALLOW.toString(), he.allow}));
        }
        ParleyException pe = ParleyException.from(e);
        if (pe.code() == ErrorCode.INTERNAL) {
            log.error("internal error answering {} on {}", route, ctx.channel().id(), e);
        }
        metrics.error(pe.code());
        Reply r = Reply.json(HttpResponseStatus.valueOf(pe.code().httpStatus()),
                errorBody(pe));
        if (pe.code() == ErrorCode.UNAUTHENTICATED) {
            return new Reply(r.status(), r.contentType(), r.body(),
                    List.<String[]>of(new String[] {HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer"}));
        }
        if (pe.retryAfterMs() > 0) {
            // Retry-After counts whole seconds; round up so a client that obeys it is not refused again.
            return new Reply(r.status(), r.contentType(), r.body(), List.<String[]>of(new String[] {
                    HttpHeaderNames.RETRY_AFTER.toString(), Long.toString((pe.retryAfterMs() + 999) / 1000)}));
        }
        return r;
    }

    private byte[] errorBody(String code, String message, boolean retryable) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("retryable", retryable);
        return bytes(root);
    }

    private byte[] errorBody(ParleyException e) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", e.code().name());
        error.put("message", e.getMessage());
        error.put("retryable", e.code().retryable());
        if (e.retryAfterMs() > 0) {
            error.put("retryAfterMs", e.retryAfterMs());
        }
        return bytes(root);
    }

    // ---- routing --------------------------------------------------------------------------

    private CompletionStage<Reply> dispatch(FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        List<String> seg = segments(uri.rawPath());
        HttpMethod m = req.method();
        if (seg.size() == 1 && seg.get(0).equals("health")) {
            route = "/health";
            allow(m, HttpMethod.GET);
            return CompletableFuture.completedFuture(health());
        }
        if (seg.isEmpty() || !seg.get(0).equals("v1")) {
            route = "static";
            allow(m, HttpMethod.GET, HttpMethod.HEAD);
            return staticFile(uri.path());
        }
        String path = String.join("/", seg);
        switch (seg.size()) {
            case 2:
                if (path.equals("v1/users")) {
                    route = "/v1/users";
                    allow(m, HttpMethod.POST);
                    return register(json(req));
                }
                if (path.equals("v1/sessions")) {
                    route = "/v1/sessions";
                    allow(m, HttpMethod.POST);
                    return login(json(req));
                }
                if (path.equals("v1/devices")) {
                    route = "/v1/devices";
                    allow(m, HttpMethod.GET);
                    return authenticate(req).thenCompose(this::devices);
                }
                if (path.equals("v1/conversations")) {
                    route = "/v1/conversations";
                    allow(m, HttpMethod.GET);
                    return authenticate(req).thenCompose(this::conversations);
                }
                if (path.equals("v1/contacts")) {
                    route = "/v1/contacts";
                    allow(m, HttpMethod.GET);
                    return authenticate(req).thenCompose(d -> parley.contacts().list(d.userId()))
                            .thenApply(list -> Reply.json(HttpResponseStatus.OK,
                                    bytes(mapper.createObjectNode().set("contacts", mapper.valueToTree(list)))));
                }
                break;
            case 3:
                if (seg.get(1).equals("devices")) {
                    route = "/v1/devices/{deviceId}";
                    allow(m, HttpMethod.DELETE);
                    String deviceId = seg.get(2);
                    return authenticate(req).thenCompose(d -> parley.accounts().revoke(d.userId(),
                                    deviceId.equals("current") ? d.deviceId() : deviceId))
                            .thenApply(v -> Reply.empty(HttpResponseStatus.NO_CONTENT));
                }
                if (seg.get(1).equals("contacts")) {
                    route = "/v1/contacts/{user}";
                    allow(m, HttpMethod.PUT, HttpMethod.DELETE);
                    String user = seg.get(2);
                    return authenticate(req).thenCompose(d -> m.equals(HttpMethod.PUT)
                                    ? parley.contacts().add(d.userId(), user) : parley.contacts().remove(d.userId(), user))
                            .thenApply(v -> Reply.empty(HttpResponseStatus.NO_CONTENT));
                }
                if (path.equals("v1/push/webpush-key")) {
                    route = "/v1/push/webpush-key";
                    allow(m, HttpMethod.GET);
                    return CompletableFuture.completedFuture(webPushKey());
                }
                if (seg.get(1).equals("conversations")) {
                    route = "/v1/conversations/{conv}";
                    allow(m, HttpMethod.GET);
                    String conv = seg.get(2);
                    return authenticate(req).thenCompose(d -> parley.conversations().requireMember(conv, d.userId()))
                            .thenCompose(this::conversationView)
                            .thenApply(view -> Reply.json(HttpResponseStatus.OK, bytes(mapper.valueToTree(view))));
                }
                break;
            case 4:
                if (path.equals("v1/devices/current/push")) {
                    route = "/v1/devices/current/push";
                    allow(m, HttpMethod.PUT, HttpMethod.DELETE);
                    if (m.equals(HttpMethod.DELETE)) {
                        return authenticate(req).thenCompose(d -> parley.push().register(d, "none", null))
                                .thenApply(v -> Reply.empty(HttpResponseStatus.NO_CONTENT));
                    }
                    ObjectNode body = json(req);
                    String provider = requiredText(body, "provider");
                    // a Web Push subscription may come as the browser's PushSubscription object
                    String target = body.path("target").isObject() ? body.get("target").toString()
                            : requiredText(body, "target");
                    return authenticate(req).thenCompose(d -> parley.push().register(d, provider, target))
                            .thenApply(v -> Reply.empty(HttpResponseStatus.NO_CONTENT));
                }
                if (seg.get(1).equals("conversations") && seg.get(3).equals("messages")) {
                    route = "/v1/conversations/{conv}/messages";
                    allow(m, HttpMethod.GET);
                    ClientFrame.History query = historyQuery(seg.get(2), uri);
                    return authenticate(req).thenCompose(d -> parley.messaging().history(d.userId(), query.conv(),
                                    HistoryQuery.page(query.beforeSeq(), query.afterSeq(), query.beforeTs(),
                                            query.afterTs(), query.limit())))
                            .thenApply(page -> Reply.json(HttpResponseStatus.OK,
                                    bytes(mapper.valueToTree(Views.historyPage(null, page)))));
                }
                if (seg.get(1).equals("users") && seg.get(3).equals("presence")) {
                    route = "/v1/users/{user}/presence";
                    allow(m, HttpMethod.GET);
                    String user = seg.get(2);
                    return authenticate(req).thenCompose(d -> parley.presence().lookup(d.userId(), user))
                            .thenApply(state -> Reply.json(HttpResponseStatus.OK,
                                    bytes(mapper.valueToTree(Views.presence(state)))));
                }
                break;
            default:
                break;
        }
        route = "unknown";
        throw notFound();
    }

    private static HttpError notFound() {
        return new HttpError(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no such resource", null);
    }

    private static void allow(HttpMethod actual, HttpMethod... allowed) {
        for (HttpMethod a : allowed) {
            if (a.equals(actual)) {
                return;
            }
        }
        StringBuilder names = new StringBuilder();
        for (HttpMethod a : allowed) {
            names.append(names.length() == 0 ? "" : ", ").append(a.name());
        }
        throw new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                "method " + actual.name() + " is not allowed here; use " + names, names.toString());
    }

    /** Decoded path segments; an encoded slash inside a segment stays inside it. */
    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(QueryStringDecoder.decodeComponent(s));
            }
        }
        return out;
    }

    // ---- endpoints ------------------------------------------------------------------------

    private Reply health() {
        boolean down = shuttingDown.getAsBoolean();
        ObjectNode node = mapper.createObjectNode();
        node.put("status", down ? "SHUTTING_DOWN" : "UP");
        node.put("server", parley.serverId());
        node.put("sessions", parley.sessionCount());
        return Reply.json(down ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, bytes(node));
    }

    /** Public (no token): a web app needs the key to subscribe before it can register the subscription. */
    private Reply webPushKey() {
        if (webPushPublicKey == null) {
            throw new HttpError(HttpResponseStatus.NOT_FOUND, "WEBPUSH_NOT_CONFIGURED",
                    "this server does not send Web Push", null);
        }
        return Reply.json(HttpResponseStatus.OK, bytes(mapper.createObjectNode().put("publicKey", webPushPublicKey)));
    }

    /** The caller's address as the login throttle keys it. */
    private String clientAddress() {
        return LoginThrottle.addressKey(ctx.channel().remoteAddress());
    }

    private CompletionStage<Reply> register(ObjectNode body) {
        String username = requiredText(body, "username");
        String password = requiredText(body, "password");
        return parley.accounts().register(username, password, clientAddress()).thenApply(user -> {
            ObjectNode node = mapper.createObjectNode();
            node.put("user", user.id());
            return Reply.json(HttpResponseStatus.CREATED, bytes(node));
        });
    }

    private CompletionStage<Reply> login(ObjectNode body) {
        String username = requiredText(body, "username");
        String password = requiredText(body, "password");
        String deviceName = optionalText(body, "deviceName");
        JsonNode replace = body.get("replaceOldest");
        if (replace != null && !replace.isNull() && !replace.isBoolean()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, "replaceOldest must be true or false");
        }
        boolean replaceOldest = replace != null && replace.asBoolean(false);
        return parley.accounts().login(username, password, deviceName, replaceOldest, clientAddress()).thenApply(login -> {
            ObjectNode node = mapper.createObjectNode();
            node.put("user", login.user().id());
            node.put("device", login.device().deviceId());
            node.put("token", login.token());
            return Reply.json(HttpResponseStatus.CREATED, bytes(node));
        });
    }

    private CompletionStage<Reply> devices(Device current) {
        return parley.accounts().devices(current.userId()).thenApply(list -> {
            ObjectNode root = mapper.createObjectNode();
            ArrayNode arr = root.putArray("devices");
            for (Device d : list) {
                ObjectNode n = arr.addObject();
                n.put("device", d.deviceId());
                n.put("name", d.name());
                n.put("createdAt", d.createdAt().toEpochMilli());
                n.put("current", d.deviceId().equals(current.deviceId()));
            }
            return Reply.json(HttpResponseStatus.OK, bytes(root));
        });
    }

    private CompletionStage<Reply> conversations(Device device) {
        return parley.conversations().list(device.userId()).thenCompose(list -> {
            List<CompletableFuture<ServerFrame.ConversationView>> views = list.stream()
                    .map(c -> conversationView(c).toCompletableFuture()).toList();
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).thenApply(v -> {
                ObjectNode root = mapper.createObjectNode();
                ArrayNode arr = root.putArray("conversations");
                views.forEach(f -> arr.add(mapper.valueToTree(f.join())));
                return Reply.json(HttpResponseStatus.OK, bytes(root));
            });
        });
    }

    private CompletionStage<ServerFrame.ConversationView> conversationView(Conversation c) {
        return parley.messaging().lastSeq(c.id()).thenApply(last -> Views.conversation(c, last));
    }

    private ClientFrame.History historyQuery(String conv, QueryStringDecoder uri) {
        ClientFrame.History query = new ClientFrame.History("http", conv, longParam(uri, "beforeSeq"),
                longParam(uri, "afterSeq"), longParam(uri, "beforeTs"), longParam(uri, "afterTs"),
                intParam(uri, "limit"));
        query.validate();
        return query;
    }

    /**
     * The web client loads nothing but its own files and talks only to this server (REST and the
     * WebSocket; 'self' covers ws: and wss: of the same host), so a script injected through a
     * message could neither run inline nor send data elsewhere.
     */
    static final String WEB_CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";

    private CompletionStage<Reply> staticFile(String path) {
        return staticFiles.find(path).thenApply(found -> {
            StaticFiles.Asset asset = found.orElseThrow(HttpApiHandler::notFound);
            return new Reply(HttpResponseStatus.OK, asset.contentType(), asset.bytes(), List.<String[]>of(
                    new String[] {HttpHeaderNames.CACHE_CONTROL.toString(), "no-cache"},
                    new String[] {"Content-Security-Policy", WEB_CONTENT_SECURITY_POLICY},
                    new String[] {"Referrer-Policy", "no-referrer"}));
        });
    }

    // ---- request parsing ------------------------------------------------------------------

    private CompletionStage<Device> authenticate(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() <= 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAUTHENTICATED,
                    "missing Authorization: Bearer <token> header"));
        }
        try {
            return parley.authenticateRequest(header.substring(7).strip());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ObjectNode json(FullHttpRequest req) {
        JsonNode node;
        if (!req.content().isReadable()) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body must be a JSON object");
        }
        try (ByteBufInputStream in = new ByteBufInputStream(req.content().duplicate())) {
            node = mapper.readTree((java.io.InputStream) in);
        } catch (JsonProcessingException e) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body cannot be read");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ParleyException(ErrorCode.MALFORMED_FRAME, "request body must be a JSON object");
        }
        return obj;
    }

    private static String requiredText(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " is required");
        }
        if (!v.isTextual()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " must be a string");
        }
        return v.asText();
    }

    private static String optionalText(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, field + " must be a string");
        }
        return v.asText();
    }

    private static Long longParam(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, name + " must be a whole number");
        }
    }

    private static Integer intParam(QueryStringDecoder uri, String name) {
        Long v = longParam(uri, name);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ParleyException(ErrorCode.INVALID_FIELD, name + " is out of range");
        }
        return v.intValue();
    }

    private byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a JSON tree", e);
        }
    }
}
