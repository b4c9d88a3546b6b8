package dev.parley.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files served from a classpath folder (the web client, {@code /web/} when its jar is on the
 * classpath). Reading a resource may touch the disk, so lookups run on a dedicated thread and
 * complete a stage; files found are cached (up to {@link #CACHE_BYTES} in total), misses are not,
 * so probing random paths cannot fill memory.
 */
public final class StaticFiles implements AutoCloseable {
    /** Largest single file served. */
    public static final int MAX_FILE_BYTES = 8 << 20;
    /** Largest total size of cached files. */
    public static final long CACHE_BYTES = 64L << 20;

    /** A file to serve. */
    public record Asset(String contentType, byte[] bytes) {
    }

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("wasm", "application/wasm"));

    private final ClassLoader loader;
    private final String root;
    private final java.util.concurrent.Executor reader;
    private final ExecutorService owned;
    private final Map<String, Asset> cache = new ConcurrentHashMap<>();
    private final AtomicLong cachedBytes = new AtomicLong();

    /**
     * @param loader where to look
     * @param root   the folder, without leading slash, e.g. {@code web}
     */
    public StaticFiles(ClassLoader loader, String root) {
        this(loader, root, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "parley-static-files");
            t.setDaemon(true);
            return t;
        }), true);
    }

    /**
     * Reads on {@code reader}, which the caller owns (tests pass a direct executor).
     */
    public StaticFiles(ClassLoader loader, String root, java.util.concurrent.Executor reader) {
        this(loader, root, reader, false);
    }

    private StaticFiles(ClassLoader loader, String root, java.util.concurrent.Executor reader, boolean own) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.root = Objects.requireNonNull(root, "root").replaceAll("^/+|/+$", "") + "/";
        this.reader = Objects.requireNonNull(reader, "reader");
        this.owned = own ? (ExecutorService) reader : null;
    }

    /**
     * Looks up the file for a decoded request path ({@code /} and paths ending in {@code /}
     * mean {@code index.html}). Paths with {@code ..}, empty segments, backslashes or control
     * characters never match.
     */
    public CompletionStage<Optional<Asset>> find(String path) {
        String name = resourceName(path);
        if (name == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Asset cached = cache.get(name);
        if (cached != null) {
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        try {
            return CompletableFuture.supplyAsync(() -> load(name), reader);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.completedFuture(Optional.empty()); // closed
        }
    }

    /** The resource name for a request path, or null when the path may not name a file. */
    static String resourceName(String path) {
        if (path == null || !path.startsWith("/") || path.length() > 1024) {
            return null;
        }
        String rel = path.substring(1);
        if (rel.isEmpty() || rel.endsWith("/")) {
            rel = rel + "index.html";
        }
        for (String segment : rel.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null;
            }
        }
        for (int i = 0; i < rel.length(); i++) {
            char c = rel.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
                return null;
            }
        }
        return rel;
    }

    private Optional<Asset> load(String name) {
        Asset cached = cache.get(name); // loaded by an earlier request for the same file
        if (cached != null) {
            return Optional.of(cached);
        }
        URL url = loader.getResource(root + name);
        if (url == null) {
            return Optional.empty();
        }
        try {
            if ("file".equals(url.getProtocol()) && Files.isDirectory(Path.of(url.toURI()))) {
                return Optional.empty();
            }
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + name, e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            return Optional.empty();
        }
        Asset asset = new Asset(contentType(name), bytes);
        if (cachedBytes.addAndGet(bytes.length) <= CACHE_BYTES) {
            cache.put(name, asset);
        } else {
            cachedBytes.addAndGet(-bytes.length);
        }
        return Optional.of(asset);
    }

    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.shutdownNow();
        }
    }
}
