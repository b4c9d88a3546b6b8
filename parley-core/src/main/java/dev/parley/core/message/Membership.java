package dev.parley.core.message;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What messaging needs to know of conversations: who is in one. Owned here and implemented by
 * the conversation feature, so that messages depend on no package that depends on them.
 */
@FunctionalInterface
public interface Membership {

    /**
     * The conversation's current members when {@code userId} is one of them; otherwise fails with
     * {@code CONVERSATION_NOT_FOUND}, the same for a missing conversation as for a foreign one.
     */
    CompletionStage<List<String>> membersFor(String conversationId, String userId);
}
