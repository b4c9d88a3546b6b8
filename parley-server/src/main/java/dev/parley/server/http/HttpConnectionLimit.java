package dev.parley.server.http;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the open connections that are not WebSockets (REST, and every connection until its
 * upgrade) against {@code server.http.maxConnections}. Thread-safe: connections of every event
 * loop share one count.
 */
public final class HttpConnectionLimit {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    /** @param max most HTTP connections open at once */
    public HttpConnectionLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        this.max = max;
    }

    /** Takes a place; false when all {@code max} are taken. A taken place must be given back once. */
    public boolean tryAcquire() {
        while (true) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place taken by {@link #tryAcquire}. */
    public void release() {
        open.decrementAndGet();
    }

    /** Places taken now. */
    public int open() {
        return open.get();
    }

    public int max() {
        return max;
    }
}
