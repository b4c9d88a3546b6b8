package dev.parley.client;

import dev.parley.protocol.ServerFrame.MembershipEvent;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.PresenceEvent;
import dev.parley.protocol.ServerFrame.ReceiptEvent;
import dev.parley.protocol.ServerFrame.TypingEvent;

/**
 * Receives what a {@link ParleyClient} learns from the server. Every method has a no-op default.
 *
 * <p>Threading: all methods are called on one SDK listener thread, in the order the events
 * happened, never concurrently. A slow listener delays the next events (and their
 * acknowledgement, so the sender's ✓✓ waits) but not the connection: heartbeats and request
 * replies are handled on another thread, so a listener may call the client and even block on
 * its futures.
 *
 * <p>Inbox events ({@link #onMessage}, {@link #onReceipt}, {@link #onMembership}) are handed over
 * exactly once per client and cursor store: duplicates that the server resends after a reconnect
 * are dropped. When the method returns, the event's cursor is saved in the {@link CursorStore}
 * and acknowledged to the server. Failure: an exception thrown by a listener method is logged and
 * the event counts as handled (it is not offered again).
 */
public interface ParleyListener {

    /** A new message in one of the user's conversations, including the user's own from any device. */
    default void onMessage(MessageView message, long cursor) {
    }

    /** A member's devices received, or the member read, messages up to {@code receipt.upTo()}. */
    default void onReceipt(ReceiptEvent receipt) {
    }

    /** A conversation was created, renamed, or its members changed. */
    /**
     * A conversation was created, renamed, or its members or admins changed. The event carries
     * only the change ({@code users}, the new {@code name}, the new {@code version}), never the
     * member list: call {@link ParleyClient#getConversation} for the full state when needed.
     */
    default void onMembership(MembershipEvent event) {
    }

    /**
     * A subscribed user's presence changed. After a reconnect the SDK renews the subscriptions and
     * reports each subscribed user's current presence here.
     */
    default void onPresence(PresenceEvent event) {
    }

    /** Someone started or stopped typing (ephemeral, never stored). */
    default void onTyping(TypingEvent event) {
    }

    /** The connection is up and authenticated; the backlog follows, then {@link #onSynced}. */
    default void onConnected() {
    }

    /**
     * The connection was lost or closed; {@code reason} is readable text. Unless the client was
     * closed (reason {@code "closed"}) or its token was rejected, it reconnects by itself.
     */
    default void onDisconnected(String reason) {
    }

    /** Every inbox event up to cursor {@code head} has been handed over; live events follow. */
    default void onSynced(long head) {
    }
}
