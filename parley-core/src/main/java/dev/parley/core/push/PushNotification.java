package dev.parley.core.push;

/**
 * What a push says: which message is waiting. Never the body, which may be end-to-end encrypted
 * and in any case should not pass through push providers; the woken app syncs to fetch it.
 */
public record PushNotification(String user, String device, String conv, String msgId, long seq, String from,
                               long ts) {
}
