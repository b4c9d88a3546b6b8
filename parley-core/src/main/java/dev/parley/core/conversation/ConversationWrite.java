package dev.parley.core.conversation;

import dev.parley.core.message.InboxEntry;
import java.util.Map;

/**
 * The outcome of {@link ConversationStore#createConversation} or
 * {@link ConversationStore#updateConversation}.
 *
 * @param conversation the stored conversation after the call (the existing one when nothing was applied)
 * @param applied      false when the create found the id taken, or the update lost a version race
 * @param inboxEntries the membership entries written, keyed by user id; empty when not applied
 */
public record ConversationWrite(Conversation conversation, boolean applied, Map<String, InboxEntry> inboxEntries) {
}
