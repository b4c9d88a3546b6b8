package dev.parley.core.message;

import java.util.Objects;

/** A send request that passed validation, before the store gives it a sequence number. */
public record NewMessage(String conversationId, String senderId, String senderDeviceId, String clientMsgId,
                         String body, String contentType) {
    public NewMessage {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(senderId, "senderId");
        Objects.requireNonNull(senderDeviceId, "senderDeviceId");
        Objects.requireNonNull(clientMsgId, "clientMsgId");
        Objects.requireNonNull(body, "body");
    }
}
