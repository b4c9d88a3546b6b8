package dev.parley.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and tunables of the core, validated on construction. Every field has a documented
 * default in {@link #defaults()} and in docs/CONFIGURATION.md.
 *
 * @param serverId           this server's id in presence and routing (default: a random one)
 * @param maxBodyBytes       largest message body in UTF-8 bytes (65,536)
 * @param maxGroupMembers    largest group, creator included (1,024)
 * @param inboxRetention     how long undelivered inbox entries are kept (30 days)
 * @param heartbeatTimeout   a connection silent this long is closed (60 s)
 * @param rateLimitPerSecond sustained frames per second per connection (100)
 * @param rateLimitBurst     frames a connection may send at once above the rate (200)
 * @param maxOutboundBytes   bytes that may wait in one connection's outbound buffer before live
 *                           delivery pauses and resumes from the store (262,144)
 * @param syncBatchSize      inbox entries read from the store per batch while catching up (256)
 * @param argon2MemoryKiB    Argon2id memory cost for password hashes (19,456 KiB, OWASP's minimum)
 * @param argon2Iterations   Argon2id time cost (2)
 * @param maxContacts        most users in one contact list (5,000)
 * @param membershipChangesPerMinute membership changes admitted per group and per acting user in
 *                           each minute (20)
 */
public record ParleySettings(String serverId, int maxBodyBytes, int maxGroupMembers, Duration inboxRetention,
                             Duration heartbeatTimeout, int rateLimitPerSecond, int rateLimitBurst,
                             int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB, int argon2Iterations,
                             int maxContacts, int membershipChangesPerMinute) {

    public ParleySettings {
        Objects.requireNonNull(serverId, "serverId");
        requireRange("maxBodyBytes", maxBodyBytes, 1, 16 << 20);
        requireRange("maxGroupMembers", maxGroupMembers, 2, 100_000);
        Objects.requireNonNull(inboxRetention, "inboxRetention");
        if (inboxRetention.isNegative() || inboxRetention.isZero()) {
            throw new IllegalArgumentException("inboxRetention must be positive");
        }
        Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        if (heartbeatTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("heartbeatTimeout must be at least 1 s");
        }
        requireRange("rateLimitPerSecond", rateLimitPerSecond, 1, 10_000_000);
        requireRange("rateLimitBurst", rateLimitBurst, 1, 10_000_000);
        requireRange("maxOutboundBytes", maxOutboundBytes, 4096, 64 << 20);
        requireRange("syncBatchSize", syncBatchSize, 1, 10_000);
        requireRange("argon2MemoryKiB", argon2MemoryKiB, 8, 4 << 20);
        requireRange("argon2Iterations", argon2Iterations, 1, 100);
        requireRange("maxContacts", maxContacts, 1, 1_000_000);
        requireRange("membershipChangesPerMinute", membershipChangesPerMinute, 1, 1_000_000);
    }

    /** The documented defaults, with a random server id. */
    public static ParleySettings defaults() {
        return new ParleySettings("parley-" + Ids.random(6), 65_536, 1_024, Duration.ofDays(30), Duration.ofSeconds(60),
                100, 200, 262_144, 256, 19_456, 2, 5_000, 20);
    }

    public ParleySettings withServerId(String v) {
        return new ParleySettings(v, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxBodyBytes(int v) {
        return new ParleySettings(serverId, v, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxGroupMembers(int v) {
        return new ParleySettings(serverId, maxBodyBytes, v, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withInboxRetention(Duration v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, v, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withHeartbeatTimeout(Duration v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, v,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withRateLimit(int perSecond, int burst) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                perSecond, burst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxOutboundBytes(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, v, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withSyncBatchSize(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, v, argon2MemoryKiB, argon2Iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withArgon2(int memoryKiB, int iterations) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, memoryKiB, iterations,
                maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxContacts(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                v, membershipChangesPerMinute);
    }

    public ParleySettings withMembershipChangesPerMinute(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                maxContacts, v);
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
