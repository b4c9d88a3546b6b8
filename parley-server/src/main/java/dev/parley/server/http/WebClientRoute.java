package dev.parley.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The web client's files ({@link StaticFiles}) at every path outside the API, with the headers
 * that keep a browser from running anything else:
 * <pre>
 * GET|HEAD /anything-else → a file of the classpath folder /web/, or 404
 * </pre>
 */
final class WebClientRoute {
    /**
     * The web client loads nothing but its own files and talks only to this server (REST and the
     * WebSocket; 'self' covers ws: and wss: of the same host), so a script injected through a
     * message could neither run inline nor send data elsewhere.
     */
    static final String WEB_CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";

    private final StaticFiles staticFiles;

    WebClientRoute(StaticFiles staticFiles) {
        this.staticFiles = staticFiles;
    }

    CompletionStage<HttpReply> file(ApiRequest req) {
        return staticFiles.find(req.path()).thenApply(found -> {
            StaticFiles.Asset asset = found.orElseThrow(HttpErrors.HttpError::notFound);
            return new HttpReply(HttpResponseStatus.OK, asset.contentType(), asset.bytes(), List.<String[]>of(
                    new String[] {HttpHeaderNames.CACHE_CONTROL.toString(), "no-cache"},
                    new String[] {"Content-Security-Policy", WEB_CONTENT_SECURITY_POLICY},
                    new String[] {"Referrer-Policy", "no-referrer"}));
        });
    }
}
