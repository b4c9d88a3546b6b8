package dev.parley.core.account;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An account store in maps, answering at once: the unit tests' store (the adapters have their own contract test). */
final class InMemoryAccountStore implements AccountStore {
    private final Map<String, User> users = new HashMap<>();
    private final Map<String, Device> devicesByToken = new HashMap<>();

    @Override
    public synchronized CompletionStage<Boolean> createUser(User user) {
        return CompletableFuture.completedFuture(users.putIfAbsent(user.id(), user) == null);
    }

    @Override
    public synchronized CompletionStage<Optional<User>> findUser(String userId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(users.get(userId)));
    }

    @Override
    public synchronized CompletionStage<Void> updateUser(User user) {
        users.put(user.id(), user);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> putDevice(Device device) {
        devicesByToken.values().removeIf(d -> d.userId().equals(device.userId()) && d.deviceId().equals(device.deviceId()));
        devicesByToken.put(device.tokenHash(), device);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
        if (devicesOfNow(device.userId()).size() >= maxDevices) {
            return CompletableFuture.completedFuture(false);
        }
        putDevice(device);
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
        return CompletableFuture.completedFuture(Optional.ofNullable(devicesByToken.get(tokenHash)));
    }

    @Override
    public synchronized CompletionStage<List<Device>> devicesOf(String userId) {
        return CompletableFuture.completedFuture(devicesOfNow(userId));
    }

    @Override
    public synchronized CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
        return CompletableFuture.completedFuture(devicesByToken.values()
                .removeIf(d -> d.userId().equals(userId) && d.deviceId().equals(deviceId)));
    }

    private List<Device> devicesOfNow(String userId) {
        List<Device> out = new ArrayList<>();
        for (Device d : devicesByToken.values()) {
            if (d.userId().equals(userId)) {
                out.add(d);
            }
        }
        return out;
    }
}
