package dev.parley.cli;

import dev.parley.protocol.ServerFrame.ConversationView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the chat knows between lines: the open conversation, the conversations seen so far, the
 * highest message number seen per conversation (what /read marks), the numbering of the last
 * /list and the ticks of the messages sent from here.
 *
 * <p>Thread-safe: the input thread, the SDK's listener thread and its callback threads all use
 * it; every method holds the lock of this object.
 */
final class ChatState {
    private final Ticks ticks;
    private String current;
    private final Map<String, ConversationView> conversations = new HashMap<>();
    private final Map<String, Long> lastSeq = new HashMap<>();
    private List<String> listed = List.of();

    ChatState(String me) {
        this.ticks = new Ticks(me);
    }

    /** The open conversation, or null before the first /open. */
    synchronized String current() {
        return current;
    }

    synchronized void open(String conv) {
        current = conv;
    }

    /** Caches {@code v} and takes its members as the ones whose receipts count for ticks. */
    synchronized void remember(ConversationView v) {
        conversations.put(v.conv(), v);
        ticks.members(v.conv(), v.members());
    }

    /** The cached conversation, or null when not seen yet. */
    synchronized ConversationView known(String conv) {
        return conversations.get(conv);
    }

    /** The conversation ids of the last /list, in its order. */
    synchronized void listed(List<String> ids) {
        listed = List.copyOf(ids);
    }

    /** The Nth (from 1) conversation of the last /list, or null when there is none. */
    synchronized String listed(int n) {
        return n >= 1 && n <= listed.size() ? listed.get(n - 1) : null;
    }

    synchronized void noteSeq(String conv, long seq) {
        lastSeq.merge(conv, seq, Math::max);
    }

    /** The highest message number seen in {@code conv}, 0 when none. */
    synchronized long lastSeq(String conv) {
        return lastSeq.getOrDefault(conv, 0L);
    }

    /** Our message was stored as {@code seq}; returns ticks that receipts which came first already earned. */
    synchronized List<Ticks.Change> sent(String conv, long seq, String text) {
        noteSeq(conv, seq);
        return ticks.sent(conv, seq, text);
    }

    /** A member's receipt; returns the messages of ours whose ticks went up. */
    synchronized List<Ticks.Change> receipt(String conv, String user, String status, long upTo) {
        return ticks.receipt(conv, user, status, upTo);
    }
}
