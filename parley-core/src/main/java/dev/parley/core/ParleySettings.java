package dev.parley.core;

import dev.parley.core.account.LoginThrottle;
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
 * @param userSendPerSecond  sustained {@code send} frames per second of one user over all their
 *                           connections to this server (100)
 * @param userSendBurst      sends a user may make at once above that rate (200)
 * @param maxDevicesPerUser  most devices one user may have logged in (16)
 * @param hashQueueSize      password hashes that may wait for a hashing thread before logins and
 *                           registrations are refused with SERVER_BUSY (64)
 * @param loginThrottle      brute-force limits of registration and login (see {@link LoginThrottle.Settings#defaults()})
 * @param maxContacts        most users in one contact list (5,000)
 * @param membershipChangesPerMinute membership changes admitted per group and per acting user in
 *                           each minute (20)
 */
public record ParleySettings(String serverId, int maxBodyBytes, int maxGroupMembers, Duration inboxRetention,
                             Duration heartbeatTimeout, int rateLimitPerSecond, int rateLimitBurst,
                             int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB, int argon2Iterations,
                             int userSendPerSecond, int userSendBurst, int maxDevicesPerUser, int hashQueueSize,
                             LoginThrottle.Settings loginThrottle, int maxContacts, int membershipChangesPerMinute) {

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
        requireRange("userSendPerSecond", userSendPerSecond, 1, 10_000_000);
        requireRange("userSendBurst", userSendBurst, 1, 10_000_000);
        requireRange("maxDevicesPerUser", maxDevicesPerUser, 1, 10_000);
        requireRange("hashQueueSize", hashQueueSize, 1, 1_000_000);
        Objects.requireNonNull(loginThrottle, "loginThrottle");
        requireRange("maxContacts", maxContacts, 1, 1_000_000);
        requireRange("membershipChangesPerMinute", membershipChangesPerMinute, 1, 1_000_000);
    }

    /** Settings with the defaults of the abuse limits (per-user sends, devices, hashing queue, login throttle). */
    public ParleySettings(String serverId, int maxBodyBytes, int maxGroupMembers, Duration inboxRetention,
                          Duration heartbeatTimeout, int rateLimitPerSecond, int rateLimitBurst,
                          int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB, int argon2Iterations) {
        this(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout, rateLimitPerSecond,
                rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                DEFAULT_USER_SEND_PER_SECOND, DEFAULT_USER_SEND_BURST, DEFAULT_MAX_DEVICES_PER_USER,
                DEFAULT_HASH_QUEUE_SIZE, LoginThrottle.Settings.defaults(), DEFAULT_MAX_CONTACTS,
                DEFAULT_MEMBERSHIP_CHANGES_PER_MINUTE);
    }

    /** Default of {@link #userSendPerSecond()}. */
    public static final int DEFAULT_USER_SEND_PER_SECOND = 100;
    /** Default of {@link #userSendBurst()}. */
    public static final int DEFAULT_USER_SEND_BURST = 200;
    /** Default of {@link #maxDevicesPerUser()}. */
    public static final int DEFAULT_MAX_DEVICES_PER_USER = 16;
    /** Default of {@link #hashQueueSize()}. */
    public static final int DEFAULT_HASH_QUEUE_SIZE = 64;
    /** Default of {@link #maxContacts()}. */
    public static final int DEFAULT_MAX_CONTACTS = 5_000;
    /** Default of {@link #membershipChangesPerMinute()}. */
    public static final int DEFAULT_MEMBERSHIP_CHANGES_PER_MINUTE = 20;

    /** The documented defaults, with a random server id. */
    public static ParleySettings defaults() {
        return new ParleySettings("parley-" + Ids.random(6), 65_536, 1_024, Duration.ofDays(30), Duration.ofSeconds(60),
                100, 200, 262_144, 256, 19_456, 2);
    }

    public ParleySettings withServerId(String v) {
        return new ParleySettings(v, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxBodyBytes(int v) {
        return new ParleySettings(serverId, v, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxGroupMembers(int v) {
        return new ParleySettings(serverId, maxBodyBytes, v, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withInboxRetention(Duration v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, v, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withHeartbeatTimeout(Duration v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, v,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withRateLimit(int perSecond, int burst) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                perSecond, burst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond, userSendBurst,
                maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxOutboundBytes(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, v, syncBatchSize, argon2MemoryKiB, argon2Iterations, userSendPerSecond,
                userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withSyncBatchSize(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, v, argon2MemoryKiB, argon2Iterations, userSendPerSecond,
                userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withArgon2(int memoryKiB, int iterations) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, memoryKiB, iterations, userSendPerSecond,
                userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withUserSendLimit(int perSecond, int burst) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                perSecond, burst, maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxDevicesPerUser(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                userSendPerSecond, userSendBurst, v, hashQueueSize, loginThrottle, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withHashQueueSize(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                userSendPerSecond, userSendBurst, maxDevicesPerUser, v, loginThrottle, maxContacts,
                membershipChangesPerMinute);
    }

    public ParleySettings withLoginThrottle(LoginThrottle.Settings v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                userSendPerSecond, userSendBurst, maxDevicesPerUser, hashQueueSize, v, maxContacts, membershipChangesPerMinute);
    }

    public ParleySettings withMaxContacts(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                userSendPerSecond, userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle, v,
                membershipChangesPerMinute);
    }

    public ParleySettings withMembershipChangesPerMinute(int v) {
        return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations,
                userSendPerSecond, userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle, maxContacts, v);
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
