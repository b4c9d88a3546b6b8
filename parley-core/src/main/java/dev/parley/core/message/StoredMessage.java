package dev.parley.core.message;

import java.time.Instant;
import java.util.Objects;

/**
 * A message as stored in its conversation's log.
 *
 * @param seq       position in the conversation, 1, 2, 3, … without gaps
 * @param messageId server-assigned id, unique across conversations
 * @param timestamp server time of acceptance; never decreases along {@code seq}
 */
public record StoredMessage(String conversationId, long seq, String messageId, String senderId,
                            String senderDeviceId, String clientMsgId, Instant timestamp, String body,
                            String contentType) {
    public StoredMessage {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(senderId, "senderId");
        Objects.requireNonNull(senderDeviceId, "senderDeviceId");
        Objects.requireNonNull(clientMsgId, "clientMsgId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(body, "body");
    }
}
