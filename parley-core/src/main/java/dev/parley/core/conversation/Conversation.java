package dev.parley.core.conversation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A conversation: a direct one between exactly two users, or a group.
 *
 * <p>Direct conversations have the deterministic id {@code d:<a>:<b>} (the two usernames sorted),
 * so the pair has one conversation without any coordination. Groups have {@code g:<random>}.
 *
 * @param members   current members in the order they joined
 * @param version   incremented by every membership or name change; stores use it for
 *                  optimistic concurrency ({@link dev.parley.core.message.MessageStore#updateConversation})
 */
public record Conversation(String id, Kind kind, String name, List<String> members, String createdBy,
                           Instant createdAt, long version) {

    public enum Kind { DIRECT, GROUP }

    public Conversation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        members = List.copyOf(members);
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public boolean hasMember(String userId) {
        return members.contains(userId);
    }

    public static String directId(String a, String b) {
        return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
    }
}
