package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Conversations ({@code conversations}) and the index of each user's conversations
 * ({@code user_conversations}). Every cell is written with {@code USING TIMESTAMP = version}, so
 * the highest version wins whatever order the writes arrive in.
 */
final class Conversations {
    private final Env env;

    Conversations(Env env) {
        this.env = env;
    }

    /**
     * The conversation row, an index row per member and an index deletion per removed user, each
     * a separate statement (they are in different partitions), run in parallel.
     */
    CompletableFuture<Void> write(Conversation c, Collection<String> removed) {
        long ts = c.version();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        writes.add(env.cql.exec(env.bind(env.st.conversationInsert, c.id(), c.kind().name(), c.name(), c.members(),
                c.createdBy(), c.createdAt().toString(), c.version(), c.admins(), ts)));
        for (String member : c.members()) {
            writes.add(env.cql.exec(env.bind(env.st.userConversationInsert, member, c.id(), ts)));
        }
        for (String user : removed) {
            writes.add(env.cql.exec(env.bind(env.st.userConversationDelete, ts, user, c.id())));
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    CompletableFuture<Optional<Conversation>> find(String conv) {
        return env.cql.one(env.bind(env.st.conversationSelect, conv)).thenApply(r -> Optional.ofNullable(from(r)));
    }

    /** The conversations the index names for the user, in index order, keeping those that list the user. */
    CompletableFuture<List<Conversation>> of(String userId) {
        return env.cql.all(env.bind(env.st.userConversations, userId), r -> r.getString("conv_id"))
                .thenCompose(ids -> {
                    List<CompletableFuture<Optional<Conversation>>> found = new ArrayList<>(ids.size());
                    for (String id : ids) {
                        found.add(find(id));
                    }
                    return CompletableFuture.allOf(found.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        List<Conversation> out = new ArrayList<>(found.size());
                        for (CompletableFuture<Optional<Conversation>> f : found) {
                            // The index and the conversation are separate writes: for a moment the
                            // index can name a conversation whose row does not list the user (yet).
                            f.join().filter(c -> c.hasMember(userId)).ifPresent(out::add);
                        }
                        return List.copyOf(out);
                    });
                });
    }

    static Conversation from(Row r) {
        if (r == null || r.isNull("version")) {
            return null;
        }
        Conversation c = new Conversation(r.getString("conv_id"), Conversation.Kind.valueOf(r.getString("kind")),
                r.getString("name"), list(r, "members"), r.getString("created_by"),
                Instant.parse(r.getString("created_at")), r.getLong("version"));
        // A row written before admins existed has none stored: keep the default the constructor chose.
        return r.isNull("admins") ? c : new Conversation(c.id(), c.kind(), c.name(), c.members(), c.createdBy(),
                c.createdAt(), c.version(), list(r, "admins"));
    }

    static List<String> list(Row row, String column) {
        List<String> l = row.getList(column, String.class);
        return l == null ? List.of() : List.copyOf(l);
    }
}
