package dev.parley.core.push;

/**
 * What a push says: which message is waiting. Never the body, which may be end-to-end encrypted
 * and in any case should not pass through push providers; the woken app syncs to fetch it.
 */
public record PushNotification(String userId, String deviceId, String conversationId, String messageId, long seq,
                               String senderId, long timestampMillis) {
}
