package dev.parley.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Creates the benchmark's users and devices over the REST API: {@code POST /v1/users}, then
 * {@code POST /v1/sessions} for each connection's device token, a bounded number of requests in
 * flight, with progress on stderr. With several chat servers the requests are spread over them
 * (the device of connection i logs in at server i mod n, the one it will connect to), as a load
 * balancer would. Usernames carry a random run id so that runs against the same server never
 * collide.
 */
final class Setup {
    static final String PASSWORD = "bench-password-1";

    private final List<URI> bases;
    private final int concurrency;
    private final PrintStream progress;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    Setup(List<URI> bases, int concurrency, PrintStream progress) {
        this.bases = List.copyOf(bases);
        this.concurrency = concurrency;
        this.progress = progress;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** {@code count} usernames of this run: {@code <prefix>u0}, {@code <prefix>u1}, ... */
    static List<String> names(String prefix, int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(prefix + "u" + i);
        }
        return names;
    }

    /** Registers every user; returns how long it took in seconds. */
    double register(List<String> users) throws IOException, InterruptedException {
        List<Integer> idx = indexes(users.size());
        return forEach("registering users", idx, i -> post(i, "/v1/users",
                Map.of("username", users.get(i), "password", PASSWORD))
                .thenApply(r -> expect(r, "register " + users.get(i))));
    }

    private static List<Integer> indexes(int n) {
        List<Integer> idx = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            idx.add(i);
        }
        return idx;
    }

    /** Seconds the last {@link #login} took. */
    double loginSeconds;

    /**
     * Logs in one device per entry of {@code users} (a user may appear several times for several
     * devices) and returns the credentials, with {@code index} = position in the list.
     */
    List<Cred> login(List<String> users) throws IOException, InterruptedException {
        Cred[] out = new Cred[users.size()];
        List<Integer> idx = indexes(users.size());
        loginSeconds = forEach("logging in devices", idx, i -> post(i, "/v1/sessions",
                Map.of("username", users.get(i), "password", PASSWORD, "deviceName", "bench-" + i))
                .thenApply(r -> {
                    JsonNode body = expect(r, "login " + users.get(i));
                    out[i] = new Cred(users.get(i), body.path("token").asText(), i);
                    return body;
                }));
        return List.of(out);
    }

    private <T> double forEach(String what, List<T> items, Function<T, CompletableFuture<JsonNode>> call)
            throws IOException, InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long lastPrint = start;
        for (T item : items) {
            while (!permits.tryAcquire(1, TimeUnit.SECONDS)) {
                lastPrint = print(what, done.get(), items.size(), start, lastPrint);
            }
            if (failure.get() != null) {
                break;
            }
            withRetry(() -> call.apply(item), 3).whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                done.incrementAndGet();
                permits.release();
            });
            lastPrint = print(what, done.get(), items.size(), start, lastPrint);
        }
        while (!permits.tryAcquire(concurrency, 1, TimeUnit.SECONDS)) {
            lastPrint = print(what, done.get(), items.size(), start, lastPrint);
        }
        permits.release(concurrency);
        if (failure.get() != null) {
            Throwable t = failure.get();
            throw new IOException("setup failed while " + what + ": " + (t.getCause() != null ? t.getCause() : t), t);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        progress.printf("setup: %s: %,d in %.1f s (%,.0f/s)%n", what, items.size(), secs, items.size() / secs);
        return secs;
    }

    private long print(String what, int done, int total, long start, long last) {
        long now = System.nanoTime();
        if (now - last < 1_000_000_000L) {
            return last;
        }
        progress.printf("setup: %s: %,d/%,d (%.0f s)%n", what, done, total, (now - start) / 1e9);
        return now;
    }

    private static CompletableFuture<JsonNode> withRetry(java.util.function.Supplier<CompletableFuture<JsonNode>> call,
                                                         int tries) {
        return call.get().handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (tries <= 1 || !(cause instanceof IOException)) {
                return CompletableFuture.<JsonNode>failedFuture(cause);
            }
            return withRetry(call, tries - 1);
        }).thenCompose(Function.identity());
    }

    /** The server that request {@code i} goes to. */
    URI baseFor(int i) {
        return bases.get(i % bases.size());
    }

    private CompletableFuture<HttpResponse<String>> post(int i, String path, Map<String, String> body) {
        try {
            HttpRequest req = HttpRequest.newBuilder(baseFor(i).resolve(path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build();
            return http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private JsonNode expect(HttpResponse<String> r, String what) {
        if (r.statusCode() / 100 != 2) {
            String b = r.body();
            throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " "
                    + (b.length() > 300 ? b.substring(0, 300) : b));
        }
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(what + ": response is not JSON", e);
        }
    }
}
