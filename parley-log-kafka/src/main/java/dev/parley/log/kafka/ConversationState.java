package dev.parley.log.kafka;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.Watermarks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the conversation's single writer keeps about it in its state store: the conversation,
 * its last sequence number and timestamp, each member's watermarks, and who sent the recent
 * messages, as runs of consecutive messages by one sender (the last {@value #MAX_RUNS}), which
 * tells a receipt whom to tell without reading the log. Mutable; owned by one stream task at a
 * time.
 */
final class ConversationState {
    private Conversation conversation;
    private long head;
    private Instant headTimestamp;
    static final int MAX_RUNS = 64;

    /** First seq of each recent run of messages by one sender, and that sender. */
    private final List<Long> runStarts = new ArrayList<>();
    private final List<String> runSenders = new ArrayList<>();
    private final Map<String, Watermarks> marks = new HashMap<>();

    ConversationState(Conversation conversation, long head, Instant headTimestamp) {
        this.conversation = conversation;
        this.head = head;
        this.headTimestamp = headTimestamp;
    }

    Conversation conversation() {
        return conversation;
    }

    void conversation(Conversation c) {
        conversation = c;
        marks.keySet().retainAll(c.members());
    }

    long head() {
        return head;
    }

    Instant headTimestamp() {
        return headTimestamp;
    }

    /** Advances the head to the message just appended. */
    void appended(long seq, Instant timestamp, String senderId) {
        head = seq;
        headTimestamp = timestamp;
        int n = runSenders.size();
        if (n == 0 || !runSenders.get(n - 1).equals(senderId)) {
            runStarts.add(seq);
            runSenders.add(senderId);
            if (runStarts.size() > MAX_RUNS) {
                runStarts.remove(0);
                runSenders.remove(0);
            }
        }
    }

    /**
     * The senders of the messages in {@code (after, upTo]}, or every member when the range reaches
     * back before the runs kept (a superset: a receipt then tells someone who did not send).
     */
    Set<String> sendersIn(long after, long upTo) {
        if (runStarts.isEmpty() || after + 1 < runStarts.get(0)) {
            return new HashSet<>(conversation.members());
        }
        Set<String> out = new HashSet<>();
        for (int i = 0; i < runStarts.size(); i++) {
            long first = runStarts.get(i);
            long last = i + 1 < runStarts.size() ? runStarts.get(i + 1) - 1 : head;
            if (first <= upTo && last > after) {
                out.add(runSenders.get(i));
            }
        }
        return out;
    }

    List<Long> runStarts() {
        return runStarts;
    }

    List<String> runSenders() {
        return runSenders;
    }

    Map<String, Watermarks> marks() {
        return marks;
    }
}
