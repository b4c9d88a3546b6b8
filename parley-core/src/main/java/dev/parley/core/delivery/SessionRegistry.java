package dev.parley.core.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The device sessions connected to this server, by user. At most one session per device: a
 * device that connects again replaces (and closes) its older session.
 *
 * <p>A user's value is the {@link DeviceSession} itself when the user has one session here (the
 * usual case), else an immutable {@code DeviceSession[]}: one map entry per online user and no
 * list object, because every idle connection pays for it. Values are replaced, never changed, so
 * readers need no lock.
 */
public final class SessionRegistry {
    private final Map<String, Object> byUser = new ConcurrentHashMap<>();

    /** Adds a session and returns the one it replaced for the same device, or null. */
    DeviceSession add(DeviceSession session) {
        DeviceSession[] replaced = new DeviceSession[1];
        byUser.compute(session.device().userId(), (user, value) -> {
            List<DeviceSession> kept = new ArrayList<>(sessions(value).size() + 1);
            for (DeviceSession s : sessions(value)) {
                if (s.device().deviceId().equals(session.device().deviceId())) {
                    replaced[0] = s;
                } else {
                    kept.add(s);
                }
            }
            kept.add(session);
            return valueOf(kept);
        });
        return replaced[0];
    }

    /** Removes a session; returns true when it was the user's last one on this server. */
    boolean remove(DeviceSession session) {
        boolean[] last = new boolean[1];
        byUser.computeIfPresent(session.device().userId(), (user, value) -> {
            List<DeviceSession> kept = new ArrayList<>(sessions(value));
            kept.remove(session);
            last[0] = kept.isEmpty();
            return valueOf(kept);
        });
        return last[0];
    }

    /** The sessions of a user on this server (possibly empty); immutable, safe to iterate concurrently. */
    public List<DeviceSession> sessionsOf(String userId) {
        return sessions(byUser.get(userId));
    }

    public boolean hasSessions(String userId) {
        return byUser.containsKey(userId);
    }

    /** Every session, for shutdown and metrics. */
    public List<DeviceSession> all() {
        return byUser.values().stream().flatMap(v -> sessions(v).stream()).toList();
    }

    public int size() {
        return byUser.values().stream().mapToInt(v -> sessions(v).size()).sum();
    }

    private static List<DeviceSession> sessions(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof DeviceSession s) {
            return List.of(s);
        }
        return List.of((DeviceSession[]) value);
    }

    /** The map value for {@code sessions}; null (no entry) when empty. */
    private static Object valueOf(List<DeviceSession> sessions) {
        return switch (sessions.size()) {
            case 0 -> null;
            case 1 -> sessions.get(0);
            default -> sessions.toArray(new DeviceSession[0]);
        };
    }
}
