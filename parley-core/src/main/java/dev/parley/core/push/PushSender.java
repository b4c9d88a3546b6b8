package dev.parley.core.push;

import java.util.concurrent.CompletionStage;

/**
 * Port: wakes an offline device through its push provider. One implementation per provider
 * (APNs, FCM, Web Push, webhook), in the parley-push module.
 *
 * <p>A push is only a wake-up: the message waits in the inbox whatever the provider answers.
 * Implementations never block the calling thread; they bound their own timeouts.
 */
public interface PushSender {

    /** The provider name devices register with ({@code apns}, {@code fcm}, {@code webpush}, {@code webhook}). */
    String provider();

    /**
     * Checks a target a device wants to register, before it is stored; returns the form to store
     * (for example a normalized subscription).
     *
     * @throws IllegalArgumentException with a message for the client when the target is unusable
     */
    String validateTarget(String target);

    /**
     * Sends one notification. The stage completes with what the provider said; a failed stage
     * (a connection error, a timeout) is treated as {@link PushResult.Retry}.
     */
    CompletionStage<PushResult> send(PushTarget target, PushNotification notification);
}
