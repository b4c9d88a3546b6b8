package dev.parley.server.config;

import static dev.parley.server.config.Checks.range;
import static dev.parley.server.config.Checks.throwIf;

import dev.parley.core.ParleySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code limits} section: the core's limits and the transport's.
 *
 * <p>{@link ServerConfig} implements this interface only so that these records keep their names
 * {@code ServerConfig.Limits}, ...: the configuration is split into one file per section, the API is
 * not.
 */
public interface LimitsSection {

    /**
     * The core's limits (see {@link ParleySettings} for what each one does) and the transport's.
     *
     * @param maxOutboundBytes        a connection's write buffer high-water mark: above it live delivery
     *                                pauses and the server stops reading from the connection
     * @param outboundHardLimitBytes  bytes waiting for one connection above which it is closed with 1008;
     *                                at least {@code maxOutboundBytes}
     * @param abuse                   the limits against abuse of accounts and sends
     * @param maxContacts             most users in one contact list
     * @param membershipChangesPerMinute membership changes per group and per acting user in a minute
     */
    public record Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                         int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                         int argon2Iterations, int outboundHardLimitBytes, Abuse abuse, int maxContacts,
                         int membershipChangesPerMinute) {
        public Limits {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.LIMITS_MAX_BODY_BYTES, maxBodyBytes);
            range(p, ConfigKey.LIMITS_MAX_GROUP_MEMBERS, maxGroupMembers);
            range(p, ConfigKey.LIMITS_INBOX_RETENTION_DAYS, inboxRetentionDays);
            range(p, ConfigKey.LIMITS_RATE_LIMIT_PER_SECOND, rateLimitPerSecond);
            range(p, ConfigKey.LIMITS_RATE_LIMIT_BURST, rateLimitBurst);
            range(p, ConfigKey.LIMITS_MAX_OUTBOUND_BYTES, maxOutboundBytes);
            range(p, ConfigKey.LIMITS_SYNC_BATCH_SIZE, syncBatchSize);
            range(p, ConfigKey.LIMITS_ARGON2_MEMORY_KIB, argon2MemoryKiB);
            range(p, ConfigKey.LIMITS_ARGON2_ITERATIONS, argon2Iterations);
            range(p, ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES, outboundHardLimitBytes);
            range(p, ConfigKey.LIMITS_MAX_CONTACTS, maxContacts);
            range(p, ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE, membershipChangesPerMinute);
            if (outboundHardLimitBytes < maxOutboundBytes) {
                p.add("limits.outboundHardLimitBytes (" + outboundHardLimitBytes + ") must be at least "
                        + "limits.maxOutboundBytes (" + maxOutboundBytes + ")");
            }
            Objects.requireNonNull(abuse, "abuse");
            throwIf(p);
        }

        /** Limits with the default abuse, contact and membership churn limits. */
        public Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                      int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                      int argon2Iterations, int outboundHardLimitBytes) {
            this(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, outboundHardLimitBytes,
                    Abuse.defaults(), Integer.parseInt(ConfigKey.LIMITS_MAX_CONTACTS.defaultValue),
                    Integer.parseInt(ConfigKey.LIMITS_MEMBERSHIP_CHANGES_PER_MINUTE.defaultValue));
        }

        /** The same limits with other abuse limits. */
        public Limits withAbuse(Abuse v) {
            return new Limits(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, outboundHardLimitBytes, v,
                    maxContacts, membershipChangesPerMinute);
        }

        /** Limits with the default outbound hard limit (or {@code maxOutboundBytes} when that is larger). */
        public Limits(int maxBodyBytes, int maxGroupMembers, int inboxRetentionDays, int rateLimitPerSecond,
                      int rateLimitBurst, int maxOutboundBytes, int syncBatchSize, int argon2MemoryKiB,
                      int argon2Iterations) {
            this(maxBodyBytes, maxGroupMembers, inboxRetentionDays, rateLimitPerSecond, rateLimitBurst,
                    maxOutboundBytes, syncBatchSize, argon2MemoryKiB, argon2Iterations, Math.max(maxOutboundBytes,
                            Integer.parseInt(ConfigKey.LIMITS_OUTBOUND_HARD_LIMIT_BYTES.defaultValue)));
        }
    }

    /**
     * Limits against abuse (keys in the {@code limits} section).
     *
     * @param userSendPerSecond          {@code limits.userSendPerSecond}: sends per second of one user, all
     *                                   connections to one server together
     * @param userSendBurst              {@code limits.userSendBurst}
     * @param maxDevicesPerUser          {@code limits.maxDevicesPerUser}
     * @param hashQueueSize              {@code limits.hashQueueSize}: password hashes waiting before SERVER_BUSY
     * @param authAttemptsPerIpPerMinute {@code limits.authAttemptsPerIpPerMinute}
     * @param authAttemptsPerIpBurst     {@code limits.authAttemptsPerIpBurst}
     * @param loginFailuresBeforeBackoff {@code limits.loginFailuresBeforeBackoff}
     * @param loginMaxBackoffSeconds     {@code limits.loginMaxBackoffSeconds}
     * @param authThrottleMaxEntries     {@code limits.authThrottleMaxEntries}
     */
    public record Abuse(int userSendPerSecond, int userSendBurst, int maxDevicesPerUser, int hashQueueSize,
                        int authAttemptsPerIpPerMinute, int authAttemptsPerIpBurst, int loginFailuresBeforeBackoff,
                        int loginMaxBackoffSeconds, int authThrottleMaxEntries) {
        public Abuse {
            List<String> p = new ArrayList<>();
            range(p, ConfigKey.LIMITS_USER_SEND_PER_SECOND, userSendPerSecond);
            range(p, ConfigKey.LIMITS_USER_SEND_BURST, userSendBurst);
            range(p, ConfigKey.LIMITS_MAX_DEVICES_PER_USER, maxDevicesPerUser);
            range(p, ConfigKey.LIMITS_HASH_QUEUE_SIZE, hashQueueSize);
            range(p, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE, authAttemptsPerIpPerMinute);
            range(p, ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST, authAttemptsPerIpBurst);
            range(p, ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF, loginFailuresBeforeBackoff);
            range(p, ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS, loginMaxBackoffSeconds);
            range(p, ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES, authThrottleMaxEntries);
            throwIf(p);
        }

        /** The documented defaults. */
        public static Abuse defaults() {
            return new Abuse(def(ConfigKey.LIMITS_USER_SEND_PER_SECOND), def(ConfigKey.LIMITS_USER_SEND_BURST),
                    def(ConfigKey.LIMITS_MAX_DEVICES_PER_USER), def(ConfigKey.LIMITS_HASH_QUEUE_SIZE),
                    def(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE), def(ConfigKey.LIMITS_AUTH_ATTEMPTS_PER_IP_BURST),
                    def(ConfigKey.LIMITS_LOGIN_FAILURES_BEFORE_BACKOFF), def(ConfigKey.LIMITS_LOGIN_MAX_BACKOFF_SECONDS),
                    def(ConfigKey.LIMITS_AUTH_THROTTLE_MAX_ENTRIES));
        }

        /**
         * The defaults without the per-user send limit and the per-address login limit, for test
         * suites that register, log in and send from one address by the hundred; the device cap,
         * the hashing queue and the per-account back-off stay as documented.
         */
        public static Abuse permissive() {
            Abuse d = defaults();
            return new Abuse(10_000_000, 10_000_000, d.maxDevicesPerUser(), d.hashQueueSize(), 60_000_000,
                    10_000_000, d.loginFailuresBeforeBackoff(), d.loginMaxBackoffSeconds(), d.authThrottleMaxEntries());
        }

        private static int def(ConfigKey k) {
            return Integer.parseInt(k.defaultValue);
        }

        /** The core's login throttle settings. */
        public dev.parley.core.account.LoginThrottle.Settings loginThrottle() {
            return new dev.parley.core.account.LoginThrottle.Settings(authAttemptsPerIpPerMinute, authAttemptsPerIpBurst,
                    loginFailuresBeforeBackoff, Duration.ofSeconds(loginMaxBackoffSeconds), authThrottleMaxEntries);
        }
    }
}
