package dev.parley.server.config;

import static dev.parley.server.config.Checks.choice;
import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.throwIf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code presence} section: the presence registry, in memory or in Redis.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Presence}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface PresenceSection {

    /**
     * @param type  {@code in-memory} (one server) or {@code redis}
     * @param redis the Redis registry's settings
     */
    public record Presence(String type, Redis redis) {
        public Presence {
            Objects.requireNonNull(redis, "redis");
            List<String> p = new ArrayList<>();
            choice(p, ConfigKey.PRESENCE_TYPE, type);
            throwIf(p);
        }

        public Presence(String type) {
            this(type, new Redis(ConfigKey.PRESENCE_REDIS_URI.defaultValue, 60));
        }
    }

    /** The Redis presence registry ({@code presence.type: redis}). */
    public record Redis(String uri, int entryTtlSeconds) {
        public Redis {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.PRESENCE_REDIS_ENTRY_TTL_SECONDS, entryTtlSeconds);
            throwIf(p);
        }
    }
}
