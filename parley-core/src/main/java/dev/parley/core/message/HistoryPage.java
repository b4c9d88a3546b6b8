package dev.parley.core.message;

import java.util.List;

/**
 * One page of a conversation's log, oldest first.
 *
 * @param hasMore a next page exists in the query's direction (or the page was cut by its byte bound)
 */
public record HistoryPage(String conversationId, List<StoredMessage> messages, boolean hasMore) {
    public HistoryPage {
        messages = List.copyOf(messages);
    }
}
