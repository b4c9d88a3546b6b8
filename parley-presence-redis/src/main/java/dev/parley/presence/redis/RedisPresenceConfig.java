package dev.parley.presence.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link RedisPresenceRegistry}, validated on construction.
 *
 * @param uri       Redis URI, e.g. {@code redis://127.0.0.1:6379/0} (Lettuce syntax: {@code rediss://}
 *                  for TLS, {@code redis-sentinel://} for Sentinel)
 * @param entryTtl  how long a device entry stays online without a refresh; a server that dies takes
 *                  its users offline after at most this long. Must be at least twice the refresh
 *                  interval (the core refreshes every {@code heartbeatTimeout / 3}) and the same on
 *                  every server. Default 60 s.
 * @param keyPrefix prepended to every key and to the channel, so several deployments can share one
 *                  Redis (default {@code parley:}); may be empty
 */
public record RedisPresenceConfig(String uri, Duration entryTtl, String keyPrefix) {
    /** Default {@link #entryTtl()}: three refreshes at the default 60 s heartbeat timeout. */
    public static final Duration DEFAULT_ENTRY_TTL = Duration.ofSeconds(60);
    /** Default {@link #keyPrefix()}. */
    public static final String DEFAULT_KEY_PREFIX = "parley:";

    public RedisPresenceConfig {
        Objects.requireNonNull(uri, "uri");
        if (uri.isBlank()) {
            throw new IllegalArgumentException("presence Redis uri must not be blank (e.g. redis://127.0.0.1:6379)");
        }
        Objects.requireNonNull(entryTtl, "entryTtl");
        if (entryTtl.toMillis() < 100) {
            throw new IllegalArgumentException("presence entryTtl must be at least 100 ms, was " + entryTtl);
        }
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.contains("|")) {
            throw new IllegalArgumentException("presence keyPrefix must not contain '|': " + keyPrefix);
        }
    }

    /** The defaults for everything but the URI. */
    public static RedisPresenceConfig of(String uri) {
        return new RedisPresenceConfig(uri, DEFAULT_ENTRY_TTL, DEFAULT_KEY_PREFIX);
    }

    /** The channel presence transitions are published on: {@code <keyPrefix>presence}. */
    public String channel() {
        return keyPrefix + "presence";
    }
}
