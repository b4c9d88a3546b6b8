package dev.parley.log.kafka;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.ReceiptKind;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.message.Watermarks;
import dev.parley.protocol.ErrorCode;
import java.time.Instant;
import java.util.List;

/**
 * The values of the log's records. Every command and outcome names the chat server that asked
 * ({@code origin}) and its request id, so that the outcome can be answered on that server's
 * reply topic.
 */
final class LogRecords {
    private LogRecords() {
    }

    /** A request to change a conversation, on the commands topic, keyed by conversation id. */
    sealed interface Command {
        String origin();

        String requestId();

        String conversationId();

        /** When the asking server took the request: the time of what it produces. */
        Instant at();

        /** Append a message; the message id is chosen by the asking server, so replays give the same id. */
        record Append(String origin, String requestId, Instant at, String messageId, NewMessage message)
                implements Command {
            @Override public String conversationId() {
                return message.conversationId();
            }
        }

        record Create(String origin, String requestId, Instant at, Conversation conversation, String actorId)
                implements Command {
            @Override public String conversationId() {
                return conversation.id();
            }
        }

        /** Replace the conversation if its version is still {@code updated.version() - 1}. */
        record Update(String origin, String requestId, Instant at, Conversation updated,
                      InboxEvent.MembershipChanged event,
                      List<String> recipients) implements Command {
            public Update {
                recipients = List.copyOf(recipients);
            }

            @Override public String conversationId() {
                return updated.id();
            }
        }

        /** Raise a member's watermark; a non-member's mark is ignored (a removed member acknowledging). */
        record Mark(String origin, String requestId, Instant at, String conversationId, String userId, ReceiptKind kind,
                    long upTo) implements Command {
        }
    }

    /**
     * What the conversation's single writer decided, on the conversation events topic (keyed by
     * conversation id), and, once the projection has it, the reply to the asking server.
     */
    sealed interface Outcome {
        String origin();

        String requestId();

        /** How many inbox entries the decision appends: the asker waits until each is projected. */
        default int entries() {
            return 0;
        }

        /** A new message (or, as a reply, a duplicate resolved to the first message). */
        record Stored(String origin, String requestId, StoredMessage message, List<String> recipients,
                      boolean duplicate) implements Outcome {
            public Stored {
                recipients = List.copyOf(recipients);
            }

            @Override public int entries() {
                return duplicate ? 0 : recipients.size();
            }
        }

        /** The sender device sent this client message id before: it is message {@code seq}. */
        record Duplicate(String origin, String requestId, String conversationId, long seq) implements Outcome {
        }

        record Rejected(String origin, String requestId, ErrorCode code, String message) implements Outcome {
        }

        /** The conversation after a create or update; {@code applied} false when nothing changed. */
        record Changed(String origin, String requestId, Conversation conversation, List<String> removed,
                       boolean applied, int entries) implements Outcome {
            public Changed {
                removed = List.copyOf(removed);
            }
        }

        /** The member's watermarks after a mark; {@code raised} false when they did not move. */
        record Marked(String origin, String requestId, String conversationId, String userId, Watermarks marks,
                      boolean raised, int entries) implements Outcome {
        }

        /** A reply only: one of the inbox entries a decision appended is projected. */
        record Entry(String origin, String requestId, InboxEntry entry) implements Outcome {
        }
    }

    /**
     * An entry to append to a user's inbox, on the inbox requests topic (keyed by user id); once
     * numbered, on the inbox entries topic with the same origin and request id.
     */
    record InboxRequest(String origin, String requestId, String userId, Instant timestamp, InboxEvent event) {
    }

    /** A numbered inbox entry and the request that caused it. */
    record NumberedEntry(String origin, String requestId, InboxEntry entry) {
    }
}
