package dev.parley.server.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Method and path pattern to handler; built once, immutable, shared by every connection.
 *
 * <p>A pattern is a list of segments: a literal ({@code devices}), a parameter that takes one
 * whole segment ({@code {deviceId}}), or a last {@code **} that takes whatever follows (none
 * included). Paths are compared segment by segment after percent-decoding, empty segments left
 * out, so {@code //health/} is {@code /health} and {@code %2F} stays inside its segment.
 *
 * <p>The first pattern, in the order of registration, that matches the path decides: its method
 * runs the handler; another method is 405 with the pattern's methods in {@code Allow} (in the
 * order they were added); a pattern registered with {@link Builder#notFound} is 404. So a
 * catch-all goes last, and a space of paths may be fenced off from it.
 *
 * @param <H> what a route leads to (the REST API's {@link Handler}; anything in a unit test)
 */
final class RouteTable<H> {
    /** The route name of a path that no pattern claims. */
    static final String UNKNOWN = "unknown";

    /** What answers one request of a route. */
    @FunctionalInterface
    interface Handler {
        /**
         * Answers on the event loop; may return a stage that completes later. The request is
         * released once this method returns, so it is read here and not in a continuation.
         */
        CompletionStage<HttpReply> handle(ApiRequest request);
    }

    /** The outcome of looking a request up. */
    sealed interface Match<H> {
        /** The route's name (its pattern, unless it was given one), as requests are counted. */
        String route();
    }

    /** The route's method: {@code params} are the path's parameters by name, decoded. */
    record Found<H>(String route, H handler, Map<String, String> params) implements Match<H> {
    }

    /** The path is a route's, the method is not: {@code allow} is the route's methods, comma separated. */
    record MethodNotAllowed<H>(String route, String allow) implements Match<H> {
    }

    /** No route has this path. */
    record NotFound<H>(String route) implements Match<H> {
    }

    /** A path pattern with its name and its methods' handlers (none: a fenced-off space). */
    private record Route<H>(String name, List<String> segments, boolean rest, Map<HttpMethod, H> handlers,
                            String allow) {
    }

    private final List<Route<H>> routes;

    private RouteTable(List<Route<H>> routes) {
        this.routes = List.copyOf(routes);
    }

    static <H> Builder<H> builder() {
        return new Builder<>();
    }

    /** Looks up a request by its method and its raw (still percent-encoded) path. */
    Match<H> match(HttpMethod method, String rawPath) {
        return match(method, segments(rawPath));
    }

    /** Looks up a request by its method and its decoded, non-empty path segments. */
    Match<H> match(HttpMethod method, List<String> path) {
        for (Route<H> route : routes) {
            Map<String, String> params = matchPath(route, path);
            if (params == null) {
                continue;
            }
            if (route.handlers().isEmpty()) {
                return new NotFound<>(route.name());
            }
            H handler = route.handlers().get(method);
            return handler == null ? new MethodNotAllowed<>(route.name(), route.allow())
                    : new Found<>(route.name(), handler, params);
        }
        return new NotFound<>(UNKNOWN);
    }

    /** The parameters, or null when the path is not the route's. */
    private static Map<String, String> matchPath(Route<?> route, List<String> path) {
        List<String> pattern = route.segments();
        if (route.rest() ? path.size() < pattern.size() : path.size() != pattern.size()) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (isParam(p)) {
                if (params == null) {
                    params = new HashMap<>(4);
                }
                params.put(p.substring(1, p.length() - 1), path.get(i));
            } else if (!p.equals(path.get(i))) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }

    /** Decoded path segments; an encoded slash inside a segment stays inside it. */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(QueryStringDecoder.decodeComponent(s));
            }
        }
        return out;
    }

    /** Collects routes; a pattern added again gains the method. */
    static final class Builder<H> {
        private final Map<String, String> names = new LinkedHashMap<>();
        private final Map<String, Map<HttpMethod, H>> handlers = new LinkedHashMap<>();

        private Builder() {
        }

        Builder<H> get(String pattern, H handler) {
            return add(pattern, pattern, HttpMethod.GET, handler);
        }

        Builder<H> post(String pattern, H handler) {
            return add(pattern, pattern, HttpMethod.POST, handler);
        }

        Builder<H> put(String pattern, H handler) {
            return add(pattern, pattern, HttpMethod.PUT, handler);
        }

        Builder<H> delete(String pattern, H handler) {
            return add(pattern, pattern, HttpMethod.DELETE, handler);
        }

        /** A route counted under {@code name} rather than its pattern, with one handler for every method given. */
        Builder<H> named(String name, String pattern, H handler, HttpMethod... methods) {
            if (methods.length == 0) {
                throw new IllegalArgumentException("no method for " + pattern);
            }
            for (HttpMethod m : methods) {
                add(name, pattern, m, handler);
            }
            return this;
        }

        /** Paths of {@code pattern} are 404, counted as {@link #UNKNOWN}: a space no later route may claim. */
        Builder<H> notFound(String pattern) {
            register(UNKNOWN, pattern);
            return this;
        }

        private Builder<H> add(String name, String pattern, HttpMethod method, H handler) {
            Objects.requireNonNull(handler, "handler");
            if (register(name, pattern).put(method, handler) != null) {
                throw new IllegalArgumentException(method + " " + pattern + " is already routed");
            }
            return this;
        }

        private Map<HttpMethod, H> register(String name, String pattern) {
            if (!pattern.startsWith("/")) {
                throw new IllegalArgumentException("a pattern starts with /: " + pattern);
            }
            String known = names.putIfAbsent(pattern, name);
            if (known != null && !known.equals(name)) {
                throw new IllegalArgumentException(pattern + " is already named " + known);
            }
            return handlers.computeIfAbsent(pattern, p -> new LinkedHashMap<>());
        }

        RouteTable<H> build() {
            List<Route<H>> routes = new ArrayList<>();
            handlers.forEach((pattern, byMethod) -> {
                List<String> segments = new ArrayList<>();
                for (String s : pattern.split("/")) {
                    if (!s.isEmpty()) {
                        segments.add(s);
                    }
                }
                boolean rest = !segments.isEmpty() && segments.get(segments.size() - 1).equals("**");
                if (rest) {
                    segments.remove(segments.size() - 1);
                }
                if (segments.contains("**")) {
                    throw new IllegalArgumentException("** may only end a pattern: " + pattern);
                }
                StringBuilder allow = new StringBuilder();
                byMethod.keySet().forEach(m -> allow.append(allow.length() == 0 ? "" : ", ").append(m.name()));
                routes.add(new Route<>(names.get(pattern), List.copyOf(segments), rest, Map.copyOf(byMethod),
                        allow.toString()));
            });
            return new RouteTable<>(routes);
        }
    }
}
