package dev.parley.core.message;

import dev.parley.core.conversation.Conversation;
import java.util.Map;

/**
 * The outcome of {@link MessageStore#createConversation} or {@link MessageStore#updateConversation}.
 *
 * @param conversation the stored conversation after the call (the existing one when nothing was applied)
 * @param applied      false when the create found the id taken, or the update lost a version race
 * @param inboxEntries the membership entries written, keyed by user id; empty when not applied
 */
public record ConversationWrite(Conversation conversation, boolean applied, Map<String, InboxEntry> inboxEntries) {
}
