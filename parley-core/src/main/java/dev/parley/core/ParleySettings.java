package dev.parley.core;

import dev.parley.core.account.LoginThrottle;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and tunables of the core, checked on construction. Made with {@link #builder()}, which
 * holds every default (the ones docs/CONFIGURATION.md documents), or changed with
 * {@link #toBuilder()}:
 *
 * <pre>{@code
 * ParleySettings s = ParleySettings.builder().serverId("chat-1").argon2(8, 1).build();
 * ParleySettings t = s.toBuilder().maxBodyBytes(1_000).build();
 * }</pre>
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

    /** Checks every value; use {@link #builder()} rather than this constructor. */
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

    /** A builder holding the documented defaults and a random server id. */
    public static Builder builder() {
        return new Builder();
    }

    /** The documented defaults, with a random server id. */
    public static ParleySettings defaults() {
        return builder().build();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return builder().serverId(serverId).maxBodyBytes(maxBodyBytes).maxGroupMembers(maxGroupMembers)
                .inboxRetention(inboxRetention).heartbeatTimeout(heartbeatTimeout)
                .rateLimit(rateLimitPerSecond, rateLimitBurst).maxOutboundBytes(maxOutboundBytes)
                .syncBatchSize(syncBatchSize).argon2(argon2MemoryKiB, argon2Iterations)
                .userSendLimit(userSendPerSecond, userSendBurst).maxDevicesPerUser(maxDevicesPerUser)
                .hashQueueSize(hashQueueSize).loginThrottle(loginThrottle).maxContacts(maxContacts)
                .membershipChangesPerMinute(membershipChangesPerMinute);
    }

    /**
     * Collects settings, starting from the defaults; {@link #build()} checks them all. Not
     * thread-safe; use one builder per thread.
     */
    public static final class Builder {

        // The defaults, in one place (docs/CONFIGURATION.md documents the same ones).
        private String serverId = "parley-" + Ids.random(6);
        private int maxBodyBytes = 65_536;
        private int maxGroupMembers = 1_024;
        private Duration inboxRetention = Duration.ofDays(30);
        private Duration heartbeatTimeout = Duration.ofSeconds(60);
        private int rateLimitPerSecond = 100;
        private int rateLimitBurst = 200;
        private int maxOutboundBytes = 262_144;
        private int syncBatchSize = 256;
        private int argon2MemoryKiB = 19_456;
        private int argon2Iterations = 2;
        private int userSendPerSecond = 100;
        private int userSendBurst = 200;
        private int maxDevicesPerUser = 16;
        private int hashQueueSize = 64;
        private LoginThrottle.Settings loginThrottle = LoginThrottle.Settings.defaults();
        private int maxContacts = 5_000;
        private int membershipChangesPerMinute = 20;

        private Builder() {
        }

        public Builder serverId(String v) {
            serverId = v;
            return this;
        }

        public Builder maxBodyBytes(int v) {
            maxBodyBytes = v;
            return this;
        }

        public Builder maxGroupMembers(int v) {
            maxGroupMembers = v;
            return this;
        }

        public Builder inboxRetention(Duration v) {
            inboxRetention = v;
            return this;
        }

        public Builder heartbeatTimeout(Duration v) {
            heartbeatTimeout = v;
            return this;
        }

        /** Frames per second per connection, sustained and at once. */
        public Builder rateLimit(int perSecond, int burst) {
            rateLimitPerSecond = perSecond;
            rateLimitBurst = burst;
            return this;
        }

        public Builder maxOutboundBytes(int v) {
            maxOutboundBytes = v;
            return this;
        }

        public Builder syncBatchSize(int v) {
            syncBatchSize = v;
            return this;
        }

        /** Argon2id cost of password hashes: memory in KiB and iterations. */
        public Builder argon2(int memoryKiB, int iterations) {
            argon2MemoryKiB = memoryKiB;
            argon2Iterations = iterations;
            return this;
        }

        /** Sends per second of one user, sustained and at once. */
        public Builder userSendLimit(int perSecond, int burst) {
            userSendPerSecond = perSecond;
            userSendBurst = burst;
            return this;
        }

        public Builder maxDevicesPerUser(int v) {
            maxDevicesPerUser = v;
            return this;
        }

        public Builder hashQueueSize(int v) {
            hashQueueSize = v;
            return this;
        }

        public Builder loginThrottle(LoginThrottle.Settings v) {
            loginThrottle = v;
            return this;
        }

        public Builder maxContacts(int v) {
            maxContacts = v;
            return this;
        }

        public Builder membershipChangesPerMinute(int v) {
            membershipChangesPerMinute = v;
            return this;
        }

        /**
         * The settings, every value checked.
         *
         * @throws NullPointerException     when the server id, a duration or the login throttle is null
         * @throws IllegalArgumentException naming the first value out of its range
         */
        public ParleySettings build() {
            return new ParleySettings(serverId, maxBodyBytes, maxGroupMembers, inboxRetention, heartbeatTimeout,
                    rateLimitPerSecond, rateLimitBurst, maxOutboundBytes, syncBatchSize, argon2MemoryKiB,
                    argon2Iterations, userSendPerSecond, userSendBurst, maxDevicesPerUser, hashQueueSize, loginThrottle,
                    maxContacts, membershipChangesPerMinute);
        }
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
