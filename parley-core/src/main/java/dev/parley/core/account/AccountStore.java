package dev.parley.core.account;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Port: durable users and their devices, each device with its token hash and its push target
 * (there is no separate push-target store: a device's target is a field of the {@link Device},
 * replaced with {@link #putDevice}).
 *
 * <p>Promises (the contract suite, {@code AccountStoreContract}, checks them): a completed write
 * is durable and visible to every later read; of concurrent creations of one user id exactly one
 * succeeds; a token hash finds only the device that holds it now (a replaced or deleted device's
 * old token finds nothing); a user never has more than the cap {@link #addDevice} was given.
 * Every method is asynchronous and never blocks the caller's thread. Null arguments are
 * programming errors; other failures complete the stage exceptionally with a
 * {@link dev.parley.protocol.ParleyException}: {@code USER_NOT_FOUND} where a method says so,
 * {@code UNAVAILABLE} when the backing store cannot be reached.
 */
public interface AccountStore {

    /** Stores a new user; completes with false (and changes nothing) when the id is taken. */
    CompletionStage<Boolean> createUser(User user);

    /** The user, empty when the id is unknown. */
    CompletionStage<Optional<User>> findUser(String userId);

    /**
     * Replaces the stored user (same id); used for settings such as privacy. Fails with
     * {@code USER_NOT_FOUND}, storing nothing, when the user does not exist.
     */
    CompletionStage<Void> updateUser(User user);

    /**
     * Inserts or replaces a device (same user and device id), indexed by its token hash; a
     * replaced device's old token no longer finds it. Not bounded: see {@link #addDevice}.
     */
    CompletionStage<Void> putDevice(Device device);

    /**
     * Stores a new device (indexed by its token hash) unless its user already has
     * {@code maxDevices} devices; completes with false, storing nothing, then. Concurrent additions
     * for one user never leave more than {@code maxDevices}: an adapter that cannot serialise them
     * may refuse both of two additions racing for the last free slot.
     */
    CompletionStage<Boolean> addDevice(Device device, int maxDevices);

    /** The device whose current token has this hash; empty when none has. */
    CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash);

    /** The user's devices (in no particular order); empty when none. */
    CompletionStage<List<Device>> devicesOf(String userId);

    /** Deletes a device and its token; completes with false when it did not exist. */
    CompletionStage<Boolean> deleteDevice(String userId, String deviceId);
}
