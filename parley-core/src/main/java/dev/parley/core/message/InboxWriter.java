package dev.parley.core.message;

/**
 * What the store ports whose writes append inbox entries ({@link MessageStore} and
 * {@link dev.parley.core.conversation.ConversationStore}) have in common. One declaration, so
 * that an adapter serving both ports answers once.
 */
public interface InboxWriter {

    /**
     * True when the store itself tells the router about the inbox entries it writes (the
     * scale-out log does, from wherever it writes them); the services then do not announce the
     * entries a call returns a second time.
     */
    default boolean announcesEntries() {
        return false;
    }
}
