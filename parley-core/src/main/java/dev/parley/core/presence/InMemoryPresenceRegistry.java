package dev.parley.core.presence;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The embedded presence registry: one process holds every connection. */
public final class InMemoryPresenceRegistry implements PresenceRegistry {
    private static final Logger log = LoggerFactory.getLogger(InMemoryPresenceRegistry.class);

    /**
     * A user's devices (device id → the server it is connected to) and when the user was last seen
     * (nanoseconds since the epoch). One device, the usual case, is held inline ({@code device},
     * {@code server}); several, or none, in the immutable {@code others}. Replaced, never changed.
     * Compact because every online user has one: 32 bytes, against 200 for a HashMap and an Instant.
     */
    private record Entry(String device, String server, Map<String, String> others, long lastSeenEpochNanos) {
        static Entry of(Map<String, String> devices, Instant lastSeen) {
            long nanos = lastSeen.getEpochSecond() * 1_000_000_000L + lastSeen.getNano();
            if (devices.size() == 1) {
                Map.Entry<String, String> only = devices.entrySet().iterator().next();
                return new Entry(only.getKey(), only.getValue(), null, nanos);
            }
            return new Entry(null, null, Map.copyOf(devices), nanos);
        }

        Map<String, String> devices() {
            return others != null ? others : Map.of(device, server);
        }

        Instant lastSeen() {
            return Instant.ofEpochSecond(0, lastSeenEpochNanos);
        }
    }

    private final Clock clock;
    private final Map<String, Entry> users = new ConcurrentHashMap<>();
    private final List<Consumer<PresenceState>> listeners = new CopyOnWriteArrayList<>();

    public InMemoryPresenceRegistry(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> connected(String userId, String deviceId, String serverId) {
        boolean[] cameOnline = new boolean[1];
        users.compute(userId, (u, e) -> {
            Map<String, String> devices = e == null ? new HashMap<>() : new HashMap<>(e.devices());
            cameOnline[0] = devices.isEmpty();
            devices.put(deviceId, serverId);
            return Entry.of(devices, clock.instant());
        });
        if (cameOnline[0]) {
            fire(new PresenceState(userId, true, clock.instant()));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> disconnected(String userId, String deviceId, String serverId) {
        boolean[] wentOffline = new boolean[1];
        Instant now = clock.instant();
        users.computeIfPresent(userId, (u, e) -> {
            Map<String, String> devices = new HashMap<>(e.devices());
            boolean removed = devices.remove(deviceId) != null;
            wentOffline[0] = removed && devices.isEmpty();
            return Entry.of(devices, now);
        });
        if (wentOffline[0]) {
            fire(new PresenceState(userId, false, now));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> refresh(String serverId, Collection<String> connectedUsers) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Map<String, PresenceState>> lookup(Collection<String> userIds) {
        Map<String, PresenceState> out = new HashMap<>();
        for (String id : userIds) {
            Entry e = users.get(id);
            out.put(id, e == null ? new PresenceState(id, false, null)
                    : new PresenceState(id, !e.devices().isEmpty(), e.lastSeen()));
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<Map<String, Set<String>>> locate(Collection<String> userIds) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String id : userIds) {
            Entry e = users.get(id);
            if (e != null && !e.devices().isEmpty()) {
                out.put(id, new HashSet<>(e.devices().values()));
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public void listen(Consumer<PresenceState> listener) {
        listeners.add(listener);
    }

    private void fire(PresenceState state) {
        for (Consumer<PresenceState> l : listeners) {
            try {
                l.accept(state);
            } catch (RuntimeException e) {
                log.warn("presence listener failed", e);
            }
        }
    }

    @Override
    public void close() {
    }
}
