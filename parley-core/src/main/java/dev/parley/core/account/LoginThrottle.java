package dev.parley.core.account;

import dev.parley.protocol.ParleyException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brute-force protection for registration and login, shared by every transport (the REST routes
 * are today's only password paths; the WebSocket authenticates with tokens).
 *
 * <ul>
 *   <li><b>Per client address</b>: every registration and login attempt takes a token from the
 *       address's bucket ({@code attemptsPerIpPerMinute} sustained, {@code attemptsPerIpBurst} at
 *       once). IPv6 addresses are grouped by their /64 prefix, which one subscriber usually holds.</li>
 *   <li><b>Per account</b>: after {@code failuresBeforeBackoff} failed logins in a row, the account
 *       backs off exponentially: 1 s after that failure, 2 s after the next, ... up to
 *       {@code maxBackoff}. Attempts during a back-off are refused without checking the password.
 *       A successful login forgets the failures. Nothing is permanent: the longest wait is
 *       {@code maxBackoff}, and failures are forgotten {@code maxBackoff} after the back-off ends.
 *       Unknown usernames are tracked like real ones, so throttling does not reveal which exist.</li>
 * </ul>
 * A refused attempt fails with {@code RATE_LIMITED} and a {@code retryAfterMs} hint. The first
 * refusal of an address or account logs one WARN line (and again only after it was let through
 * once); those lines are themselves limited to {@link #WARN_LINES_PER_MINUTE} a minute.
 *
 * <p>Memory is bounded: at most {@code maxEntries} addresses and accounts are tracked. Entries
 * that no longer matter (a full bucket, failures forgotten) are dropped as they are met, and
 * beyond the bound the least recently used entry is dropped, so a flood of distinct addresses or
 * names costs at most {@code maxEntries} entries (about 150 bytes each).
 *
 * <p>Thread-safe: one lock; callers do microseconds of work under it, far less than the password
 * hash that follows.
 */
public final class LoginThrottle {
    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);

    /** WARN lines about throttled addresses and accounts, at most, per minute. */
    public static final int WARN_LINES_PER_MINUTE = 10;
    private static final long BASE_BACKOFF_NANOS = 1_000_000_000L;

    /**
     * @param attemptsPerIpPerMinute sustained registrations and logins per client address a minute
     * @param attemptsPerIpBurst     attempts an address may make at once
     * @param failuresBeforeBackoff  failed logins in a row an account may have before it backs off
     * @param maxBackoff             longest back-off of an account
     * @param maxEntries             most addresses and accounts tracked at once
     */
    public record Settings(int attemptsPerIpPerMinute, int attemptsPerIpBurst, int failuresBeforeBackoff,
                           Duration maxBackoff, int maxEntries) {
        public Settings {
            requireRange("attemptsPerIpPerMinute", attemptsPerIpPerMinute, 1, 60_000_000);
            requireRange("attemptsPerIpBurst", attemptsPerIpBurst, 1, 10_000_000);
            requireRange("failuresBeforeBackoff", failuresBeforeBackoff, 1, 1_000_000);
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (maxBackoff.toMillis() < 1000 || maxBackoff.toDays() > 1) {
                throw new IllegalArgumentException("maxBackoff must be 1 s to 1 day, was " + maxBackoff);
            }
            requireRange("maxEntries", maxEntries, 16, 100_000_000);
        }

        /** The documented defaults: 60 attempts a minute per address (30 at once), 5 failures, 15 min, 100,000 entries. */
        public static Settings defaults() {
            return new Settings(60, 30, 5, Duration.ofMinutes(15), 100_000);
        }

        private static void requireRange(String name, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
            }
        }
    }

    /** State of one address (token bucket) or one account (failures and back-off). */
    private static final class Entry {
        // address
        double tokens;
        long refilledAt;
        // account
        int failures;
        long blockedUntil;
        long forgetAt;
        /** A WARN line was written for the current run of refusals. */
        boolean warned;
    }

    private final Settings settings;
    private final LongSupplier ticker;
    private final double tokensPerNano;
    private final LinkedHashMap<String, Entry> entries;
    private double warnTokens = WARN_LINES_PER_MINUTE;
    private long warnRefilledAt;
    private long warnsSuppressed;

    /**
     * @param settings the limits
     * @param ticker   monotonic nanoseconds ({@link System#nanoTime()}; tests inject their own)
     */
    public LoginThrottle(Settings settings, LongSupplier ticker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.tokensPerNano = settings.attemptsPerIpPerMinute() / 60e9;
        this.warnRefilledAt = ticker.getAsLong();
        int max = settings.maxEntries();
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > max;
            }
        };
    }

    /**
     * The key under which a client address is throttled: the IP address, or its /64 prefix for
     * IPv6; the address's text for anything that is not an IP socket address; null for null.
     */
    public static String addressKey(SocketAddress remote) {
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            InetAddress a = isa.getAddress();
            if (a instanceof Inet6Address) {
                byte[] b = a.getAddress();
                StringBuilder sb = new StringBuilder("v6:");
                for (int i = 0; i < 8; i += 2) {
                    sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
                }
                return sb.append(":/64").toString();
            }
            return a.getHostAddress();
        }
        return remote == null ? null : remote.toString();
    }

    /**
     * Takes one attempt from the address's budget; throws {@code RATE_LIMITED} (with a retry hint)
     * when it is spent. A null address (unknown) is not limited.
     */
    public void checkAddress(String address) {
        if (address == null) {
            return;
        }
        long now = ticker.getAsLong();
        long waitNanos;
        synchronized (this) {
            sweep(now);
            String key = "ip " + address;
            Entry e = entries.get(key);
            if (e == null) {
                e = new Entry();
                e.tokens = settings.attemptsPerIpBurst();
                e.refilledAt = now;
                entries.put(key, e);
            }
            refill(e, now);
            if (e.tokens >= 1) {
                e.tokens -= 1;
                e.warned = false;
                return;
            }
            waitNanos = (long) Math.ceil((1 - e.tokens) / tokensPerNano);
            if (!e.warned) {
                e.warned = true;
                warn(now, "throttling registrations and logins from address {}: more than {} a minute",
                        address, settings.attemptsPerIpPerMinute());
            }
        }
        throw ParleyException.rateLimited("too many login or registration attempts from this address", waitNanos);
    }

    /** Throws {@code RATE_LIMITED} (with a retry hint) while the account backs off after failed logins. */
    public void checkAccount(String username) {
        long now = ticker.getAsLong();
        long waitNanos;
        synchronized (this) {
            sweep(now);
            Entry e = entries.get(accountKey(username));
            if (e == null || now - e.blockedUntil >= 0) {
                if (e != null) {
                    e.warned = false;
                }
                return;
            }
            waitNanos = e.blockedUntil - now;
            if (!e.warned) {
                e.warned = true;
                warn(now, "throttling logins of account {}: {} failed logins in a row, next attempt allowed in {} ms",
                        username, e.failures, waitNanos / 1_000_000);
            }
        }
        throw ParleyException.rateLimited("too many failed logins for this account", waitNanos);
    }

    /** Counts a failed login of {@code username}; from the configured count on, the account backs off. */
    public void loginFailed(String username) {
        long now = ticker.getAsLong();
        synchronized (this) {
            String key = accountKey(username);
            Entry e = entries.get(key);
            if (e == null) {
                e = new Entry();
                e.blockedUntil = now;
                entries.put(key, e);
            }
            e.failures = e.failures == Integer.MAX_VALUE ? e.failures : e.failures + 1;
            long backoff = backoffNanos(e.failures);
            e.blockedUntil = now + backoff;
            e.forgetAt = e.blockedUntil + settings.maxBackoff().toNanos();
        }
        log.debug("failed login for account {}", username);
    }

    /** Forgets the account's failed logins. */
    public void loginSucceeded(String username) {
        synchronized (this) {
            entries.remove(accountKey(username));
        }
    }

    /** Addresses and accounts tracked now. */
    public synchronized int size() {
        return entries.size();
    }

    private long backoffNanos(int failures) {
        int over = failures - settings.failuresBeforeBackoff();
        if (over < 0) {
            return 0;
        }
        long max = settings.maxBackoff().toNanos();
        return over >= 40 ? max : Math.min(max, BASE_BACKOFF_NANOS << over);
    }

    private static String accountKey(String username) {
        return "account " + username;
    }

    private void refill(Entry e, long now) {
        e.tokens = Math.min(settings.attemptsPerIpBurst(), e.tokens + (now - e.refilledAt) * tokensPerNano);
        e.refilledAt = now;
    }

    /** Drops up to two least recently used entries that no longer limit anything: O(1) per call. */
    private void sweep(long now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        for (int i = 0; i < 2 && it.hasNext(); i++) {
            Map.Entry<String, Entry> m = it.next();
            Entry e = m.getValue();
            boolean done = m.getKey().startsWith("ip ")
                    ? e.tokens + (now - e.refilledAt) * tokensPerNano >= settings.attemptsPerIpBurst()
                    : now - e.forgetAt >= 0;
            if (!done) {
                return;
            }
            it.remove();
        }
    }

    private void warn(long now, String format, Object... args) {
        warnTokens = Math.min(WARN_LINES_PER_MINUTE, warnTokens + (now - warnRefilledAt) * (WARN_LINES_PER_MINUTE / 60e9));
        warnRefilledAt = now;
        if (warnTokens < 1) {
            warnsSuppressed++;
            return;
        }
        warnTokens -= 1;
        if (warnsSuppressed > 0) {
            log.warn(format + " ({} more throttling notices were not logged)", append(args, warnsSuppressed));
            warnsSuppressed = 0;
        } else {
            log.warn(format, args);
        }
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }
}
