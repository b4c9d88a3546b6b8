package dev.parley.core.conversation;

import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.InboxWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Port: conversations (direct and group), their members and admins, and the membership entries
 * every change writes to the inboxes of the users it concerns.
 *
 * <p>The inbox entries a change writes live in the inboxes of {@link dev.parley.core.message.MessageStore}
 * (same cursors, same order as the messages): an adapter implements both ports over one
 * transaction, usually in one class, so that a message is appended under the membership it was
 * sent in.
 *
 * <p>Guarantees every adapter keeps (the contract suite, {@code ConversationStoreContract}, checks them):
 * <ul>
 *   <li><b>Durable</b>: a completed write survives {@code kill -9} of the process.</li>
 *   <li><b>Atomic</b>: a conversation change and the inbox entries it produces land together or
 *       not at all, as the caller sees it. An adapter without multi-partition transactions may
 *       make them visible one by one, but a retry of the same call must then complete a fan-out
 *       that a crash interrupted.</li>
 *   <li><b>Ordered</b>: changes of one conversation are totally ordered by {@link Conversation#version()}
 *       (1, 2, 3, … with no gaps: optimistic concurrency, the loser of a race writes nothing);
 *       each change's entry reaches every notified inbox after the entries of the earlier
 *       changes and messages of the conversation.</li>
 *   <li><b>Idempotent creation</b>: creating an id that exists writes nothing and answers with the
 *       stored conversation, so opening a direct conversation (its id is derived from the pair)
 *       twice, or concurrently, yields one conversation and one {@code created} entry per member.</li>
 *   <li><b>Read your writes</b>: once a write's stage has completed, {@link #findConversation}
 *       and {@link #conversationsOf} reflect it.</li>
 * </ul>
 * A membership entry carries only the change (who, the new name, the new version), never the
 * member list, so a change costs each inbox the same few bytes whatever the group's size.
 *
 * <p>The store does not check policy (who may change what, group size, consent): the
 * {@link ConversationService} does. All methods are asynchronous and must not block the
 * caller's thread. Null arguments are programming errors; every other failure completes the
 * stage exceptionally with a {@link dev.parley.protocol.ParleyException} ({@code UNAVAILABLE}
 * when the backing store cannot be reached or is overloaded), having written nothing that a
 * retry would duplicate.
 */
public interface ConversationStore extends InboxWriter {

    /**
     * Creates a conversation and appends a {@link Conversation#creation created}
     * entry, by {@code actorId}, to each member's inbox. Completes with the existing conversation
     * and {@code applied = false} (and writes nothing) if the id exists already, which makes
     * creating a direct conversation idempotent; of concurrent creations of one id exactly one
     * applies.
     */
    CompletionStage<ConversationWrite> createConversation(Conversation conversation, String actorId);

    /** The stored conversation, empty when the id is unknown. */
    CompletionStage<Optional<Conversation>> findConversation(String conversationId);

    /** The conversations the user is currently a member of (in no particular order); empty when none. */
    CompletionStage<List<Conversation>> conversationsOf(String userId);

    /**
     * Replaces the conversation with {@code updated} if its stored version is still
     * {@code updated.version() - 1}, and appends {@code event} to the inbox of every user in
     * {@code notify} (members before and after the change, for a removal the removed user
     * too). Completes with {@code applied = false} and the stored conversation (and writes
     * nothing) when the version moved on: the caller recomputes its change from the stored one
     * and retries. Fails with {@code CONVERSATION_NOT_FOUND} (writing nothing) when the
     * conversation does not exist.
     */
    CompletionStage<ConversationWrite> updateConversation(Conversation updated, InboxEvent.MembershipChanged event,
                                                          List<String> notify);
}
