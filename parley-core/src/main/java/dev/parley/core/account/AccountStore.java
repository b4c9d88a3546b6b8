package dev.parley.core.account;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Port: durable users and devices. Every method is asynchronous and never blocks the caller's
 * thread; failures complete the stage exceptionally (a {@link dev.parley.protocol.ParleyException}
 * with {@code UNAVAILABLE} when the backing store cannot be reached). A completed write is durable.
 */
public interface AccountStore {

    /** Stores a new user; completes with false (and changes nothing) when the id is taken. */
    CompletionStage<Boolean> createUser(User user);

    CompletionStage<Optional<User>> findUser(String userId);

    /** Replaces the stored user (same id); used for settings such as privacy. */
    CompletionStage<Void> updateUser(User user);

    /** Inserts or replaces a device, indexed by its token hash. */
    CompletionStage<Void> putDevice(Device device);

    /**
     * Stores a new device (indexed by its token hash) unless its user already has
     * {@code maxDevices} devices; completes with false, storing nothing, then. Concurrent additions
     * for one user never leave more than {@code maxDevices}: an adapter that cannot serialise them
     * may refuse both of two additions racing for the last free slot.
     */
    CompletionStage<Boolean> addDevice(Device device, int maxDevices);

    CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash);

    CompletionStage<List<Device>> devicesOf(String userId);

    /** Deletes a device and its token; completes with false when it did not exist. */
    CompletionStage<Boolean> deleteDevice(String userId, String deviceId);
}
