package dev.parley.push;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Keeps user-supplied URLs (webhook targets, Web Push endpoints) from reaching the server's own
 * network: a server-side request forgery guard.
 *
 * <p>A host must match the allow-list when one is set ({@code hooks.example.com} exactly, or
 * {@code *.example.com} for its subdomains). Unless private addresses are allowed, the host is
 * resolved at send time and every address it resolves to must be public: loopback, private
 * (RFC 1918, IPv6 unique-local), link-local (which holds the cloud metadata address
 * 169.254.169.254), carrier-grade NAT, multicast and unspecified addresses are refused. Checking
 * at send time, not at registration, defeats a name that is re-pointed later (DNS rebinding); the
 * JVM's positive DNS cache ({@code networkaddress.cache.ttl}, 30 s by default) then serves the
 * connection the same checked answer.
 */
public final class DestinationGuard {
    private final List<String> allowList;
    private final boolean allowPrivate;
    private final Executor resolver;

    /**
     * @param allowList    host patterns; empty allows any host with public addresses
     * @param allowPrivate skip the address check (tests, or a gateway on the operator's own network)
     * @param resolver     where blocking DNS look-ups run
     */
    public DestinationGuard(List<String> allowList, boolean allowPrivate, Executor resolver) {
        this.allowList = allowList.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                .toList();
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /**
     * Checks a URL's form and host (no DNS): http(s), a host on the allow-list, and no literal
     * address that the address rule refuses.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public URI checkUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("the URL must be http or https");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("the URL must name a host");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("the URL must not carry credentials");
        }
        if (!hostAllowed(host)) {
            throw new IllegalArgumentException("host " + host + " is not on the push destination allow-list");
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!allowPrivate && isLiteralAddress(literal)) {
            try {
                InetAddress a = InetAddress.getByName(literal); // a literal: no DNS query
                if (!isPublic(a)) {
                    throw new IllegalArgumentException("address " + literal + " is not a public address");
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not a valid address: " + literal);
            }
        }
        return uri;
    }

    /**
     * Resolves the URL's host off the caller's thread and completes when every address may be
     * reached; fails with {@link RefusedDestination} otherwise.
     */
    public CompletableFuture<URI> checkBeforeSend(String url) {
        URI uri;
        try {
            uri = checkUrl(url);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new RefusedDestination(e.getMessage()));
        }
        if (allowPrivate) {
            return CompletableFuture.completedFuture(uri);
        }
        return CompletableFuture.supplyAsync(() -> {
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                    : uri.getHost();
            InetAddress[] all;
            try {
                all = InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw new RefusedDestination("host " + host + " does not resolve");
            }
            for (InetAddress a : all) {
                if (!isPublic(a)) {
                    throw new RefusedDestination("host " + host + " resolves to a non-public address");
                }
            }
            return uri;
        }, resolver);
    }

    boolean hostAllowed(String host) {
        if (allowList.isEmpty()) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (String pattern : allowList) {
            if (pattern.startsWith("*.") ? h.endsWith(pattern.substring(1)) : h.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLiteralAddress(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** Whether an address is on the public internet (not this host, its network, or a metadata service). */
    public static boolean isPublic(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            if ((b[0] & 0xfe) == 0xfc) { // fc00::/7 unique local (AWS metadata fd00:ec2::254 among them)
                return false;
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
        }
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        if (a instanceof Inet4Address) {
            int b0 = a.getAddress()[0] & 0xff;
            int b1 = a.getAddress()[1] & 0xff;
            int b2 = a.getAddress()[2] & 0xff;
            return b0 != 0 // this network
                    && !(b0 == 100 && b1 >= 64 && b1 <= 127) // carrier-grade NAT
                    && !(b0 == 192 && b1 == 0 && b2 == 0) // IETF protocol assignments
                    && !(b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
                    && b0 < 240; // reserved and broadcast
        }
        return true;
    }

    /** A destination the guard refuses. */
    public static final class RefusedDestination extends RuntimeException {
        public RefusedDestination(String message) {
            super(message, null, false, false);
        }
    }
}
