package dev.parley.core.message;

import java.util.Collection;

/**
 * Carries a typing indicator to the connected devices of users; nothing is stored and nothing is
 * retried (a lost indicator is harmless). Implemented at the edge of the core by the router.
 */
@FunctionalInterface
public interface TypingRelay {

    /** {@code userId} is typing ({@code state}: the protocol's typing state) in the conversation. */
    void typing(Collection<String> recipients, String conversationId, String userId, String state);
}
