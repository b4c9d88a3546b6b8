package dev.parley.core.delivery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The device sessions connected to this server, by user. At most one session per device: a
 * device that connects again replaces (and closes) its older session.
 */
public final class SessionRegistry {
    private final Map<String, List<DeviceSession>> byUser = new ConcurrentHashMap<>();

    /** Adds a session and returns the one it replaced for the same device, or null. */
    DeviceSession add(DeviceSession session) {
        DeviceSession[] replaced = new DeviceSession[1];
        byUser.compute(session.device().userId(), (user, list) -> {
            List<DeviceSession> l = list == null ? new CopyOnWriteArrayList<>() : list;
            for (DeviceSession s : l) {
                if (s.device().deviceId().equals(session.device().deviceId())) {
                    replaced[0] = s;
                    l.remove(s);
                }
            }
            l.add(session);
            return l;
        });
        return replaced[0];
    }

    /** Removes a session; returns true when it was the user's last one on this server. */
    boolean remove(DeviceSession session) {
        boolean[] last = new boolean[1];
        byUser.computeIfPresent(session.device().userId(), (user, list) -> {
            list.remove(session);
            last[0] = list.isEmpty();
            return list.isEmpty() ? null : list;
        });
        return last[0];
    }

    /** The sessions of a user on this server (possibly empty); safe to iterate concurrently. */
    public List<DeviceSession> sessionsOf(String userId) {
        List<DeviceSession> l = byUser.get(userId);
        return l == null ? List.of() : l;
    }

    public boolean hasSessions(String userId) {
        return byUser.containsKey(userId);
    }

    /** Every session, for shutdown and metrics. */
    public List<DeviceSession> all() {
        return byUser.values().stream().flatMap(List::stream).toList();
    }

    public int size() {
        return byUser.values().stream().mapToInt(List::size).sum();
    }
}
