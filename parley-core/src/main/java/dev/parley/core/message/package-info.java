/**
 * Messages: the conversation log, the per-user inboxes, device cursors and receipt watermarks
 * (port {@link dev.parley.core.message.MessageStore}), and {@link
 * dev.parley.core.message.MessagingService}, which sends, pages history, marks read and takes
 * acknowledgements in the core's own records, never in frames.
 *
 * <p>This package depends on no other feature. What it needs of the rest of the core it names
 * as small interfaces of its own, implemented above it: {@link
 * dev.parley.core.message.InboxPublisher}, the one exit of inbox entries (messages, receipts and
 * membership changes alike), {@link dev.parley.core.message.Membership} (the conversation
 * feature), {@link dev.parley.core.message.NewMessageListener} (push) and {@link
 * dev.parley.core.message.TypingRelay} (the router).
 */
package dev.parley.core.message;
