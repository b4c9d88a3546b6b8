package dev.parley.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ✓ / ✓✓ / ✓✓ read state of the messages this terminal sent, per conversation, from the
 * receipts of the other members: a message is delivered when every other member has received it
 * and read when every other member has read it (for a direct chat: the one other user). When the
 * members are not known yet, the users who sent receipts stand in for them.
 *
 * <p>Not thread-safe; the chat session calls it under its own lock.
 */
final class Ticks {
    enum Status { SENT, DELIVERED, READ }

    /** A message whose status went up. */
    record Change(String conv, long seq, Status status, String text) {
    }

    private final String me;
    private final Map<String, Conv> convs = new HashMap<>();

    Ticks(String me) {
        this.me = me;
    }

    private static final class Conv {
        final Set<String> others = new LinkedHashSet<>();
        boolean membersKnown;
        final Map<String, Long> delivered = new HashMap<>();
        final Map<String, Long> read = new HashMap<>();
        final NavigableMap<Long, Mine> mine = new TreeMap<>();
    }

    private static final class Mine {
        final String text;
        Status status = Status.SENT;

        Mine(String text) {
            this.text = text;
        }
    }

    /** The conversation's current members. */
    void members(String conv, List<String> members) {
        Conv c = conv(conv);
        c.others.clear();
        for (String m : members) {
            if (!m.equals(me)) {
                c.others.add(m);
            }
        }
        c.membersKnown = true;
    }

    /** A message of ours was stored (✓); returns further changes if receipts already cover it. */
    List<Change> sent(String conv, long seq, String text) {
        Conv c = conv(conv);
        c.mine.put(seq, new Mine(text));
        return recompute(conv, c, seq, seq);
    }

    /** A receipt: {@code user}'s devices got ({@code delivered}) or {@code user} read messages up to {@code upTo}. */
    List<Change> receipt(String conv, String user, String status, long upTo) {
        if (user.equals(me)) {
            return List.of();
        }
        Conv c = conv(conv);
        Map<String, Long> marks = "read".equals(status) ? c.read : c.delivered;
        marks.merge(user, upTo, Math::max);
        if (!c.membersKnown) {
            c.others.add(user);
        }
        return recompute(conv, c, 0, upTo);
    }

    /** The status of one of our messages, or null when unknown. */
    Status status(String conv, long seq) {
        Conv c = convs.get(conv);
        Mine m = c == null ? null : c.mine.get(seq);
        return m == null ? null : m.status;
    }

    private List<Change> recompute(String convId, Conv c, long from, long to) {
        List<Change> changes = new ArrayList<>();
        if (c.others.isEmpty()) {
            return changes;
        }
        for (Map.Entry<Long, Mine> e : new ArrayList<>(c.mine.subMap(from, true, to, true).entrySet())) {
            long seq = e.getKey();
            Mine m = e.getValue();
            Status s = statusOf(c, seq);
            if (s.compareTo(m.status) > 0) {
                m.status = s;
                changes.add(new Change(convId, seq, s, m.text));
            }
            if (m.status == Status.READ) {
                c.mine.remove(seq);
            }
        }
        return changes;
    }

    private static Status statusOf(Conv c, long seq) {
        boolean allRead = true;
        boolean allDelivered = true;
        for (String u : c.others) {
            long r = c.read.getOrDefault(u, 0L);
            long d = Math.max(r, c.delivered.getOrDefault(u, 0L));
            allRead &= r >= seq;
            allDelivered &= d >= seq;
        }
        return allRead ? Status.READ : allDelivered ? Status.DELIVERED : Status.SENT;
    }

    private Conv conv(String conv) {
        return convs.computeIfAbsent(conv, k -> new Conv());
    }
}
