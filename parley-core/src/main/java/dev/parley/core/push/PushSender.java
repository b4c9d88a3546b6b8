package dev.parley.core.push;

import dev.parley.core.account.Device;
import java.util.concurrent.CompletionStage;

/**
 * Port: wakes an offline device through its push provider. One implementation per provider.
 * Delivery through push is best effort; the message itself waits in the inbox regardless.
 */
public interface PushSender {

    /** The provider name devices register with (for example {@code webhook}). */
    String provider();

    /** Sends one notification to the device's registered target. */
    CompletionStage<Void> send(Device device, PushNotification notification);
}
