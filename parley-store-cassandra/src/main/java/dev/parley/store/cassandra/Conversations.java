package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.ConversationWrite;
import dev.parley.core.message.HistoryQuery;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.StoredMessage;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Conversations and their logs: creation, updates, appends (through {@link ConvPipeline}), reads. */
final class Conversations {
    private static final int CAS_ATTEMPTS = 32;

    private final Env env;
    private final Inboxes inboxes;
    private final ConcurrentHashMap<String, ConvPipeline> pipelines = new ConcurrentHashMap<>();

    Conversations(Env env, Inboxes inboxes) {
        this.env = env;
        this.inboxes = inboxes;
    }

    ConvPipeline pipeline(String conv) {
        return pipelines.computeIfAbsent(conv, c -> new ConvPipeline(env, inboxes, this, c));
    }

    /** Runs {@code use} on the conversation's pipeline, taking a fresh one if it was just retired. */
    private <T> T withPipeline(String conv, Function<ConvPipeline, T> use) {
        while (true) {
            ConvPipeline p = pipeline(conv);
            T t = use.apply(p);
            if (t != null) {
                return t;
            }
            pipelines.remove(conv, p);
        }
    }

    void sweep(long idleNanos) {
        pipelines.forEach((conv, p) -> {
            if (p.retireIfIdle(idleNanos)) {
                pipelines.remove(conv, p);
            }
        });
    }

    // ---- state

    /** The conversation's state read at QUORUM: every committed change; null when missing. */
    CompletableFuture<ConvState> state(String conv) {
        return env.cql.one(env.bind(env.st.convState, conv)).thenApply(row -> ConvState.from(conv, row));
    }

    /** The state read at SERIAL: also settles a Paxos round in progress; used before a compare-and-set. */
    CompletableFuture<ConvState> serialState(String conv) {
        return env.cql.one(env.serial(env.st.convState, conv)).thenApply(row -> ConvState.from(conv, row));
    }

    // ---- create and update

    CompletableFuture<ConversationWrite> create(Conversation c, String actorId) {
        return create(c, actorId, CAS_ATTEMPTS, false);
    }

    /** Test hook: commits the conversation but writes none of its entries, like a creator that crashed. */
    CompletableFuture<Boolean> createOnly(Conversation c, String actorId) {
        return create(c, actorId, CAS_ATTEMPTS, true).thenApply(ConversationWrite::applied);
    }

    private CompletableFuture<ConversationWrite> create(Conversation c, String actorId, int attempts,
                                                        boolean crashAfterCommit) {
        UUID changeId = UUID.randomUUID();
        Instant ts = env.now();
        return env.cql.cas(env.bind(env.st.convCreate, c.id(), c.kind().name(), c.name(), c.members(), c.createdBy(),
                c.createdAt().toString(), c.version(), c.version() - 1, changeId, "created", actorId, c.members(),
                c.members(), List.of(), ts)).thenCompose(r -> {
                    if (r.applied()) {
                        return crashAfterCommit
                                ? CompletableFuture.completedFuture(new ConversationWrite(c, true, Map.of()))
                                : created(c, changeId);
                    }
                    return serialState(c.id()).thenCompose(st -> {
                        if (st == null) {
                            if (attempts <= 1) {
                                throw new ParleyException(ErrorCode.UNAVAILABLE,
                                        "cassandra: conversation creation did not settle", r.cause());
                            }
                            return create(c, actorId, attempts - 1, crashAfterCommit);
                        }
                        if (changeId.equals(st.change().id())) {
                            // Ours applied; only the answer was lost.
                            return crashAfterCommit
                                    ? CompletableFuture.completedFuture(new ConversationWrite(c, true, Map.of()))
                                    : created(c, changeId);
                        }
                        ConversationWrite existing = new ConversationWrite(st.conversation(), false, Map.of());
                        if (crashAfterCommit || !st.changePending()) {
                            return CompletableFuture.completedFuture(existing);
                        }
                        // Make sure the existing conversation's entries exist (its creator may have
                        // crashed) before answering with it.
                        return withPipeline(c.id(), p -> p.awaitChange(st.version())).thenApply(x -> existing);
                    });
                });
    }

    private CompletableFuture<ConversationWrite> created(Conversation c, UUID changeId) {
        return withPipeline(c.id(), p -> p.ownChange(c.version(), changeId))
                .thenApply(entries -> new ConversationWrite(c, true, entries));
    }

    CompletableFuture<ConversationWrite> update(Conversation updated, InboxEvent.MembershipChanged event,
                                                List<String> notify) {
        ConvPipeline p = withPipeline(updated.id(), x -> x.hold() ? x : null);
        return update(p, updated, event, notify, CAS_ATTEMPTS).whenComplete((w, e) -> p.release());
    }

    private CompletableFuture<ConversationWrite> update(ConvPipeline p, Conversation updated,
                                                        InboxEvent.MembershipChanged event, List<String> notify,
                                                        int attempts) {
        return serialState(updated.id()).thenCompose(st -> {
            if (st == null) {
                throw new ParleyException(ErrorCode.CONVERSATION_NOT_FOUND, "conversation not found");
            }
            if (st.version() != updated.version() - 1) {
                return CompletableFuture.completedFuture(new ConversationWrite(st.conversation(), false, Map.of()));
            }
            if (attempts <= 1) {
                throw new ParleyException(ErrorCode.UNAVAILABLE, "conversation is too busy to change; retry");
            }
            if (!st.quiet()) {
                // A change commits only when every claimed message and the previous change are fanned
                // out: then the member list of the pending fan-out is always the current one.
                return p.await(st.head(), st.version())
                        .thenCompose(x -> update(p, updated, event, notify, attempts - 1));
            }
            UUID changeId = UUID.randomUUID();
            Set<String> after = new HashSet<>(updated.members());
            List<String> removed = st.conversation().members().stream().filter(m -> !after.contains(m)).toList();
            List<String> recipients = List.copyOf(new LinkedHashSet<>(notify));
            return env.cql.cas(env.bind(env.st.convUpdate, updated.kind().name(), updated.name(), updated.members(),
                    updated.createdBy(), updated.createdAt().toString(), updated.version(), changeId, event.change(),
                    event.actorId(), event.users(), recipients, removed, env.now(), updated.id(), st.version(),
                    st.head())).thenCompose(r -> {
                        if (r.applied()) {
                            return changed(p, updated, changeId);
                        }
                        return serialState(updated.id()).thenCompose(now -> {
                            if (now != null && changeId.equals(now.change().id())) {
                                return changed(p, updated, changeId);
                            }
                            return update(p, updated, event, notify, attempts - 1);
                        });
                    });
        });
    }

    private CompletableFuture<ConversationWrite> changed(ConvPipeline p, Conversation updated, UUID changeId) {
        // p is held, so it is not retired.
        return p.ownChange(updated.version(), changeId).thenApply(entries -> new ConversationWrite(updated, true,
                entries));
    }

    // ---- appends

    CompletableFuture<AppendResult> append(NewMessage m) {
        return withPipeline(m.conversationId(), p -> p.append(m));
    }

    /** Test hook: see {@link ConvPipeline#claimOnly}. */
    CompletableFuture<StoredMessage> claimOnly(NewMessage m) {
        return pipeline(m.conversationId()).claimOnly(m);
    }

    // ---- reads

    CompletableFuture<Optional<Conversation>> find(String conv) {
        return state(conv).thenApply(st -> Optional.ofNullable(st).map(ConvState::conversation));
    }

    CompletableFuture<List<Conversation>> of(String userId) {
        return env.cql.all(env.bind(env.st.userConversations, userId), r -> r.getString("conv_id"))
                .thenCompose(ids -> {
                    List<CompletableFuture<ConvState>> states = new ArrayList<>();
                    for (String id : ids) {
                        states.add(state(id));
                    }
                    return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        List<Conversation> out = new ArrayList<>();
                        for (CompletableFuture<ConvState> f : states) {
                            ConvState st = f.join();
                            // The index may briefly name a conversation the user just left.
                            if (st != null && st.conversation().hasMember(userId)) {
                                out.add(st.conversation());
                            }
                        }
                        return List.copyOf(out);
                    });
                });
    }

    CompletableFuture<Long> lastSeq(String conv) {
        return state(conv).thenApply(st -> st == null ? 0L : st.head());
    }

    CompletableFuture<List<StoredMessage>> history(String conv, HistoryQuery q) {
        return lastSeq(conv).thenCompose(last -> {
            if (last == 0) {
                return CompletableFuture.completedFuture(List.<StoredMessage>of());
            }
            CompletableFuture<long[]> bounds;
            if (q.byTimestamp()) {
                if (q.direction() == HistoryQuery.Direction.BEFORE) {
                    bounds = firstSeqWithTimestamp(conv, 1, last + 1, q.anchor(), false).thenApply(first -> {
                        long to = first - 1;
                        return new long[] {Math.max(1, to - q.limit() + 1), to};
                    });
                } else {
                    bounds = firstSeqWithTimestamp(conv, 1, last + 1, q.anchor(), true)
                            .thenApply(from -> new long[] {from, Math.min(last, from + q.limit() - 1)});
                }
            } else if (q.direction() == HistoryQuery.Direction.BEFORE) {
                long to = q.anchor() <= 1 ? 0 : Math.min(last, q.anchor() - 1);
                bounds = CompletableFuture.completedFuture(new long[] {Math.max(1, to - q.limit() + 1), to});
            } else {
                long from = q.anchor() >= last ? last + 1 : Math.max(1, q.anchor() + 1);
                bounds = CompletableFuture.completedFuture(new long[] {from, Math.min(last, from + q.limit() - 1)});
            }
            return bounds.thenCompose(b -> {
                if (b[0] > b[1]) {
                    return CompletableFuture.completedFuture(List.<StoredMessage>of());
                }
                return env.cql.all(env.bind(env.st.messageRange, conv, b[0], b[1]), r -> message(conv, r))
                        .thenApply(List::copyOf);
            });
        });
    }

    /**
     * The first seq in [lo, hi) whose timestamp is at or after ({@code strictlyAfter}: after)
     * {@code epochMillis}, or hi. A binary search of point reads: timestamps never decrease along seq.
     */
    private CompletableFuture<Long> firstSeqWithTimestamp(String conv, long lo, long hi, long epochMillis,
                                                          boolean strictlyAfter) {
        if (lo >= hi) {
            return CompletableFuture.completedFuture(lo);
        }
        long mid = lo + (hi - lo) / 2;
        return env.cql.one(env.bind(env.st.messageTs, conv, mid)).thenCompose(row -> {
            if (row == null) {
                throw new ParleyException(ErrorCode.INTERNAL, "gap in a conversation log at seq " + mid);
            }
            long ts = row.getInstant("ts").toEpochMilli();
            boolean past = strictlyAfter ? ts > epochMillis : ts >= epochMillis;
            return past
                    ? firstSeqWithTimestamp(conv, lo, mid, epochMillis, strictlyAfter)
                    : firstSeqWithTimestamp(conv, mid + 1, hi, epochMillis, strictlyAfter);
        });
    }

    static StoredMessage message(String conv, Row r) {
        if (r.isNull("message_id")) {
            return null;
        }
        return new StoredMessage(conv, r.getLong("seq"), r.getString("message_id"), r.getString("sender_id"),
                r.getString("sender_device"), r.getString("client_msg_id"), r.getInstant("ts"), r.getString("body"),
                r.getString("content_type"));
    }

    /** The distinct senders of messages in (after, upTo]. */
    CompletableFuture<Set<String>> senders(String conv, long after, long upTo) {
        return env.cql.all(env.bind(env.st.sendersInRange, conv, after, upTo), r -> r.getString("sender_id"))
                .thenApply(HashSet::new);
    }
}
