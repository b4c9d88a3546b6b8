package dev.parley.testkit.store;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.protocol.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link AccountStore} adapter passes: extend it and implement
 * {@link #createStore}. It is called before each test and must return a store over empty
 * state; the store is closed after the test if it is {@link AutoCloseable}.
 */
public abstract class AccountStoreContract {
    protected static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    protected AccountStore store;

    /** A store under test over empty state. */
    protected abstract AccountStore createStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store instanceof AutoCloseable c) {
            c.close();
        }
    }

    protected static User user(String id, String passwordHash) {
        return new User(id, passwordHash, LastSeenPrivacy.EVERYONE, T0);
    }

    protected static Device device(String userId, String deviceId, String tokenHash) {
        return new Device(userId, deviceId, deviceId + " of " + userId, tokenHash, T0.plusSeconds(5), null, null);
    }

    @Test
    void createdUserIsFound() {
        User alice = user("alice", "$argon2id$alice");
        assertThat(await(store.createUser(alice))).isTrue();
        assertThat(await(store.findUser("alice"))).contains(alice);
        assertThat(await(store.findUser("alic"))).isEmpty();
        assertThat(await(store.findUser("alice2"))).isEmpty();
    }

    @Test
    void creatingATakenUsernameFailsAndKeepsTheFirstUser() {
        User first = user("alice", "$argon2id$first");
        await(store.createUser(first));
        assertThat(await(store.createUser(user("alice", "$argon2id$second")))).isFalse();
        assertThat(await(store.findUser("alice"))).contains(first);
    }

    @Test
    void concurrentRegistrationsOfOneNameHaveExactlyOneWinner() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompletableFuture<Boolean>>> attempts = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                User candidate = user("popular", "$argon2id$" + i);
                attempts.add(pool.submit(() -> {
                    start.await();
                    return store.createUser(candidate).toCompletableFuture();
                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                if (await(attempts.get(i).get())) {
                    winners.add(i);
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(await(store.findUser("popular")).orElseThrow().passwordHash())
                    .isEqualTo("$argon2id$" + winners.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void updateUserReplacesIt() {
        await(store.createUser(user("alice", "$argon2id$alice")));
        User updated = user("alice", "$argon2id$alice").withPrivacy(LastSeenPrivacy.NOBODY);
        await(store.updateUser(updated));
        assertThat(await(store.findUser("alice"))).contains(updated);
    }

    @Test
    void updatingAnUnknownUserFailsAndCreatesNothing() {
        assertFailsWith(store.updateUser(user("ghost", "$argon2id$ghost")), ErrorCode.USER_NOT_FOUND);
        assertThat(await(store.findUser("ghost"))).isEmpty();
    }

    @Test
    void deviceIsFoundByItsTokenHash() {
        Device phone = device("alice", "phone", "hash-1").withPush("webhook", "https://example.test/hook");
        await(store.putDevice(phone));
        assertThat(await(store.findDeviceByTokenHash("hash-1"))).contains(phone);
        assertThat(await(store.findDeviceByTokenHash("hash-2"))).isEmpty();
    }

    @Test
    void aPushTargetIsReplacedAndRemovedForGood() {
        String subscription = "{\"endpoint\":\"https://push.example.test/s/1\",\"keys\":{\"p256dh\":\"BKx\",\"auth\":\"a\"}}";
        Device phone = device("alice", "phone", "hash-1").withPush("webpush", subscription);
        await(store.putDevice(phone));
        assertThat(await(store.devicesOf("alice"))).containsExactly(phone);

        // what the push service does when a provider calls the target dead
        Device cleared = phone.withPush(null, null);
        await(store.putDevice(cleared));
        assertThat(await(store.findDeviceByTokenHash("hash-1"))).contains(cleared);
        assertThat(await(store.devicesOf("alice"))).singleElement()
                .satisfies(d -> assertThat(d.pushProvider()).isNull())
                .satisfies(d -> assertThat(d.pushTarget()).isNull());
    }

    @Test
    void replacingADevicesTokenRetiresTheOldToken() {
        await(store.putDevice(device("alice", "phone", "hash-old")));
        Device renewed = device("alice", "phone", "hash-new");
        await(store.putDevice(renewed));

        assertThat(await(store.findDeviceByTokenHash("hash-old"))).isEmpty();
        assertThat(await(store.findDeviceByTokenHash("hash-new"))).contains(renewed);
        assertThat(await(store.devicesOf("alice"))).containsExactly(renewed);
    }

    @Test
    void devicesOfListsOnlyThatUsersDevices() {
        Device phone = device("al", "phone", "h1");
        Device laptop = device("al", "laptop", "h2");
        Device other = device("alice", "phone", "h3");
        Device other2 = device("al2", "tablet", "h4");
        for (Device d : List.of(phone, laptop, other, other2)) {
            await(store.putDevice(d));
        }
        assertThat(await(store.devicesOf("al"))).containsExactlyInAnyOrder(phone, laptop);
        assertThat(await(store.devicesOf("alice"))).containsExactly(other);
        assertThat(await(store.devicesOf("nobody"))).isEmpty();
    }

    @Test
    void deletingADeviceRemovesItAndItsToken() {
        Device phone = device("alice", "phone", "hash-1");
        Device laptop = device("alice", "laptop", "hash-2");
        await(store.putDevice(phone));
        await(store.putDevice(laptop));

        assertThat(await(store.deleteDevice("alice", "phone"))).isTrue();
        assertThat(await(store.deleteDevice("alice", "phone"))).isFalse();
        assertThat(await(store.deleteDevice("bob", "laptop"))).isFalse();

        assertThat(await(store.findDeviceByTokenHash("hash-1"))).isEmpty();
        assertThat(await(store.findDeviceByTokenHash("hash-2"))).contains(laptop);
        assertThat(await(store.devicesOf("alice"))).containsExactly(laptop);
    }

    @Test
    void addDeviceStopsAtTheCapAndStoresNothingBeyondIt() {
        for (int i = 0; i < 3; i++) {
            assertThat(await(store.addDevice(device("alice", "d" + i, "h" + i), 3))).isTrue();
        }
        assertThat(await(store.addDevice(device("alice", "d3", "h3"), 3))).isFalse();

        assertThat(await(store.findDeviceByTokenHash("h3"))).isEmpty();
        assertThat(await(store.devicesOf("alice"))).extracting(Device::deviceId)
                .containsExactlyInAnyOrder("d0", "d1", "d2");
        // The cap is per user.
        assertThat(await(store.addDevice(device("bob", "d0", "hb"), 3))).isTrue();
    }

    @Test
    void aDeviceLoggedOutFreesItsSlot() {
        await(store.addDevice(device("alice", "phone", "h1"), 2));
        await(store.addDevice(device("alice", "laptop", "h2"), 2));
        assertThat(await(store.addDevice(device("alice", "tablet", "h3"), 2))).isFalse();

        await(store.deleteDevice("alice", "phone"));

        assertThat(await(store.addDevice(device("alice", "tablet", "h3"), 2))).isTrue();
        assertThat(await(store.findDeviceByTokenHash("h3"))).isPresent();
    }

    @Test
    void concurrentAdditionsNeverExceedTheCap() throws Exception {
        int threads = 12;
        int cap = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompletableFuture<Boolean>>> attempts = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                Device d = device("busy", "d" + i, "token-" + i);
                attempts.add(pool.submit(() -> {
                    start.await();
                    return store.addDevice(d, cap).toCompletableFuture();
                }));
            }
            start.countDown();
            int added = 0;
            for (Future<CompletableFuture<Boolean>> a : attempts) {
                added += await(a.get()) ? 1 : 0;
            }
            List<Device> stored = await(store.devicesOf("busy"));
            assertThat(stored).hasSizeLessThanOrEqualTo(cap).hasSize(added);
        } finally {
            pool.shutdownNow();
        }
    }
}
