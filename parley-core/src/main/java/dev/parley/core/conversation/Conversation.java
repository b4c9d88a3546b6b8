package dev.parley.core.conversation;

import dev.parley.core.message.InboxEvent;
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
 * @param version   incremented by every membership, admin or name change; stores use it for
 *                  optimistic concurrency ({@link ConversationStore#updateConversation})
 * @param admins    the members who may change a group (a subset of {@code members}, in the order
 *                  they became admins); empty for a direct conversation
 */
public record Conversation(String id, Kind kind, String name, List<String> members, String createdBy,
                           Instant createdAt, long version, List<String> admins) {

    public enum Kind { DIRECT, GROUP }

    public Conversation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        members = List.copyOf(members);
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(createdAt, "createdAt");
        admins = List.copyOf(admins);
    }

    /**
     * A conversation stored before admins existed: the creator is the admin of a group while a
     * member, else the longest-standing member is.
     */
    public Conversation(String id, Kind kind, String name, List<String> members, String createdBy, Instant createdAt,
                        long version) {
        this(id, kind, name, members, createdBy, createdAt, version, defaultAdmins(kind, members, createdBy));
    }

    public boolean hasMember(String userId) {
        return members.contains(userId);
    }

    public boolean isAdmin(String userId) {
        return admins.contains(userId);
    }

    /** A copy with other members, name, admins and the next version. */
    public Conversation next(String newName, List<String> newMembers, List<String> newAdmins) {
        return new Conversation(id, kind, newName, newMembers, createdBy, createdAt, version + 1, newAdmins);
    }

    /** The admins of a group that has no admin among {@code members}: the longest-standing member. */
    public static List<String> defaultAdmins(Kind kind, List<String> members, String createdBy) {
        if (kind != Kind.GROUP || members.isEmpty()) {
            return List.of();
        }
        return List.of(members.contains(createdBy) ? createdBy : members.get(0));
    }

    public static String directId(String a, String b) {
        return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
    }

    /**
     * The inbox entry announcing this conversation to its members when it is created (here rather
     * than in {@code message}, which knows no conversations: its package depends on none above it).
     */
    public InboxEvent.MembershipChanged creation(String actorId) {
        return new InboxEvent.MembershipChanged(id, "created", actorId, List.of(), name, version);
    }
}
