package dev.parley.testkit.contract;

import dev.parley.client.ParleyListener;
import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.PresenceEvent;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.TypingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A {@link ParleyListener} that records everything the application would see, in order, for
 * assertions (typically with Awaitility). Thread-safe: the SDK calls it on its listener thread,
 * tests read snapshots from theirs.
 *
 * <p>Every call is appended to one {@link #timeline()} so tests can check relative order (the
 * backlog before {@code synced}, before live traffic); typed views ({@link #messages(String)},
 * {@link #receipts(String)}, ...) filter it.
 */
public class RecordingListener implements ParleyListener {

    /** A message as handed to the application, with its inbox cursor. */
    public record Message(MessageView message, long cursor) {
    }

    /** {@code onSynced(head)}. */
    public record Synced(long head) {
    }

    /** {@code onConnected()}. */
    public record Connected() {
    }

    /** {@code onDisconnected(reason)}. */
    public record Disconnected(String reason) {
    }

    private final List<Object> timeline = new ArrayList<>();
    private volatile Consumer<Object> hook = e -> { };

    /**
     * Runs {@code hook} on the SDK's listener thread after each event is recorded (for tests that
     * react to an event, such as sending live traffic as soon as a client connects).
     */
    public RecordingListener onEvent(Consumer<Object> hook) {
        this.hook = hook;
        return this;
    }

    private void record(Object event) {
        synchronized (timeline) {
            timeline.add(event);
        }
        hook.accept(event);
    }

    @Override
    public void onMessage(MessageView message, long cursor) {
        record(new Message(message, cursor));
    }

    @Override
    public void onReceipt(ReceiptEvent receipt) {
        record(receipt);
    }

    @Override
    public void onMembership(MembershipEvent event) {
        record(event);
    }

    @Override
    public void onPresence(PresenceEvent event) {
        record(event);
    }

    @Override
    public void onTyping(TypingEvent event) {
        record(event);
    }

    @Override
    public void onConnected() {
        record(new Connected());
    }

    @Override
    public void onDisconnected(String reason) {
        record(new Disconnected(reason));
    }

    @Override
    public void onSynced(long head) {
        record(new Synced(head));
    }

    /** Every recorded event, in the order the SDK handed them over. */
    public List<Object> timeline() {
        synchronized (timeline) {
            return List.copyOf(timeline);
        }
    }

    /** Recorded events of one type, in order. */
    public <T> List<T> all(Class<T> type) {
        return all(type, e -> true);
    }

    /** Recorded events of one type that match, in order. */
    public <T> List<T> all(Class<T> type, Predicate<T> filter) {
        List<T> out = new ArrayList<>();
        for (Object e : timeline()) {
            if (type.isInstance(e) && filter.test(type.cast(e))) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    /** Every message handed over, in order. */
    public List<MessageView> messages() {
        return all(Message.class).stream().map(Message::message).toList();
    }

    /** Messages of one conversation, in order. */
    public List<MessageView> messages(String conv) {
        return all(Message.class, m -> m.message().conv().equals(conv)).stream().map(Message::message).toList();
    }

    /** Sequence numbers of the messages of one conversation, in the order they arrived. */
    public List<Long> seqs(String conv) {
        return messages(conv).stream().map(MessageView::seq).toList();
    }

    /** Bodies of the messages of one conversation, in the order they arrived. */
    public List<String> bodies(String conv) {
        return messages(conv).stream().map(MessageView::body).toList();
    }

    /** Receipt events of one conversation, in order. */
    public List<ReceiptEvent> receipts(String conv) {
        return all(ReceiptEvent.class, r -> r.conv().equals(conv));
    }

    /** The highest {@code upTo} of receipts of {@code status} by {@code user} in {@code conv}, 0 if none. */
    public long receiptUpTo(String conv, String user, String status) {
        return receipts(conv).stream()
                .filter(r -> r.user().equals(user) && r.status().equals(status))
                .mapToLong(ReceiptEvent::upTo).max().orElse(0);
    }

    /** Membership events of one conversation, in order. */
    public List<MembershipEvent> memberships(String conv) {
        return all(MembershipEvent.class, m -> m.conv().equals(conv));
    }

    /** Presence events about one user, in order. */
    public List<PresenceEvent> presence(String user) {
        return all(PresenceEvent.class, p -> p.user().equals(user));
    }

    /** Typing events, in order. */
    public List<TypingEvent> typing() {
        return all(TypingEvent.class);
    }

    /** Heads of every {@code onSynced}, in order. */
    public List<Long> syncedHeads() {
        return all(Synced.class).stream().map(Synced::head).toList();
    }
}
