package dev.parley.testkit.store.memory;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The account port in memory, for unit tests of the services: every promise of
 * {@link AccountStore} except durability, checked by the same {@code AccountStoreContract} as the
 * adapters. Calls are linearizable (one lock) and answer with completed stages; null arguments
 * throw at once; {@link #updateUser} of an unknown user fails with {@code USER_NOT_FOUND}, as the
 * embedded store does.
 */
public final class InMemoryAccountStore implements AccountStore {
    private final Map<String, User> users = new HashMap<>();
    /** user → device id → device, sorted by device id as the adapters list them. */
    private final Map<String, TreeMap<String, Device>> devices = new HashMap<>();
    private final Map<String, Device> devicesByToken = new HashMap<>();

    @Override
    public synchronized CompletionStage<Boolean> createUser(User user) {
        Objects.requireNonNull(user, "user");
        return done(users.putIfAbsent(user.id(), user) == null);
    }

    @Override
    public synchronized CompletionStage<Optional<User>> findUser(String userId) {
        Objects.requireNonNull(userId, "userId");
        return done(Optional.ofNullable(users.get(userId)));
    }

    @Override
    public synchronized CompletionStage<Void> updateUser(User user) {
        Objects.requireNonNull(user, "user");
        if (!users.containsKey(user.id())) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.USER_NOT_FOUND, "user not found"));
        }
        users.put(user.id(), user);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Void> putDevice(Device device) {
        Objects.requireNonNull(device, "device");
        put(device);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
        Objects.requireNonNull(device, "device");
        Map<String, Device> mine = devices.getOrDefault(device.userId(), new TreeMap<>());
        if (!mine.containsKey(device.deviceId()) && mine.size() >= maxDevices) {
            return done(false);
        }
        put(device);
        return done(true);
    }

    @Override
    public synchronized CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        return done(Optional.ofNullable(devicesByToken.get(tokenHash)));
    }

    @Override
    public synchronized CompletionStage<List<Device>> devicesOf(String userId) {
        Objects.requireNonNull(userId, "userId");
        return done(List.copyOf(devices.getOrDefault(userId, new TreeMap<>()).values()));
    }

    @Override
    public synchronized CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        TreeMap<String, Device> mine = devices.get(userId);
        Device old = mine == null ? null : mine.remove(deviceId);
        if (old == null) {
            return done(false);
        }
        devicesByToken.remove(old.tokenHash(), old);
        return done(true);
    }

    /** Stores the device under its token; a replaced device's old token no longer finds it. */
    private void put(Device device) {
        Device old = devices.computeIfAbsent(device.userId(), u -> new TreeMap<>()).put(device.deviceId(), device);
        if (old != null) {
            devicesByToken.remove(old.tokenHash(), old);
        }
        devicesByToken.put(device.tokenHash(), device);
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
