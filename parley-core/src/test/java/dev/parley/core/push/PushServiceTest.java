package dev.parley.core.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.User;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PushServiceTest {
    /** The push thread and the ticker in one: tests run the due tasks and advance time by hand. */
    private final ManualScheduler timers = new ManualScheduler();
    private final Accounts accounts = new Accounts();
    private final InMemoryPresenceRegistry presence = new InMemoryPresenceRegistry(Clock.systemUTC());
    private final Queue<PushNotification> sent = new ConcurrentLinkedQueue<>();
    private final Queue<PushTarget> sentTo = new ConcurrentLinkedQueue<>();
    private volatile Function<PushTarget, PushResult> answer = t -> PushResult.delivered();

    /** A map-backed account store: enough for devices and their push targets. */
    private static final class Accounts implements AccountStore {
        final Map<String, Device> byHash = new ConcurrentHashMap<>();

        @Override public CompletionStage<Boolean> createUser(User user) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Optional<User>> findUser(String userId) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Void> updateUser(User user) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Void> putDevice(Device device) {
            byHash.put(device.tokenHash(), device);
            return CompletableFuture.completedFuture(null);
        }

        @Override public CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
            return CompletableFuture.completedFuture(Optional.ofNullable(byHash.get(tokenHash)));
        }

        @Override public CompletionStage<List<Device>> devicesOf(String userId) {
            return CompletableFuture.completedFuture(byHash.values().stream()
                    .filter(d -> d.userId().equals(userId)).toList());
        }

        @Override public CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
            throw new UnsupportedOperationException();
        }

        Device device(String user, String id) {
            return byHash.values().stream().filter(d -> d.userId().equals(user) && d.deviceId().equals(id))
                    .findFirst().orElseThrow();
        }
    }

    private final PushSender fake = new PushSender() {
        @Override public String provider() {
            return "fake";
        }

        @Override public String validateTarget(String target) {
            if (!target.startsWith("tok-")) {
                throw new IllegalArgumentException("a fake token starts with tok-");
            }
            return target;
        }

        @Override public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
            sentTo.add(target);
            sent.add(n);
            return CompletableFuture.completedFuture(answer.apply(target));
        }
    };

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private PushService service(PushSettings settings) {
        return new PushService(List.of(fake), settings, accounts, presence, timers, timers.nanos::get,
                new SimpleMeterRegistry());
    }

    private Device device(String user, String id) {
        Device d = new Device(user, id, id, "hash-" + user + "-" + id, Instant.EPOCH, null, null);
        accounts.putDevice(d);
        return d;
    }

    private static StoredMessage message(String body) {
        return new StoredMessage("d:alice:bob", 1, "m1", "alice", "laptop", "c1", Instant.now(), body, null);
    }

    private static ErrorCode code(Throwable e) {
        Throwable t = e instanceof CompletionException ? e.getCause() : e;
        return ((ParleyException) t).code();
    }

    @Test
    void registrationIsCheckedByTheProvidersSenderAndClearedWithNone() {
        PushService push = service(PushSettings.defaults());
        Device phone = device("bob", "phone");

        assertThatThrownBy(() -> push.register(phone, "apns", "tok-1").toCompletableFuture().join())
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_FIELD))
                .hasMessageContaining("fake");
        assertThatThrownBy(() -> push.register(phone, "fake", "bad").toCompletableFuture().join())
                .hasMessageContaining("starts with tok-");

        push.register(phone, "fake", "tok-1").toCompletableFuture().join();
        assertThat(accounts.device("bob", "phone").pushTarget()).isEqualTo("tok-1");
        push.register(phone, "none", null).toCompletableFuture().join();
        assertThat(accounts.device("bob", "phone").pushProvider()).isNull();
    }

    @Test
    void aUserMayHaveAtMostTheConfiguredNumberOfPushTargets() {
        PushService push = service(PushSettings.defaults().withMaxTargetsPerUser(2));
        for (String id : List.of("a", "b")) {
            push.register(device("bob", id), "fake", "tok-" + id).toCompletableFuture().join();
        }
        Device third = device("bob", "c");
        assertThatThrownBy(() -> push.register(third, "fake", "tok-c").toCompletableFuture().join())
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.TOO_MANY_PUSH_TARGETS));
        // a device that already has a target may replace it
        push.register(accounts.device("bob", "a"), "fake", "tok-a2").toCompletableFuture().join();
        assertThat(accounts.device("bob", "a").pushTarget()).isEqualTo("tok-a2");
    }

    @Test
    void onlyOfflineRecipientsArePushedAndPrivatelyByDefault() {
        PushService push = service(PushSettings.defaults());
        push.register(device("bob", "phone"), "fake", "tok-bob").toCompletableFuture().join();
        push.register(device("carol", "phone"), "fake", "tok-carol").toCompletableFuture().join();
        presence.connected("carol", "laptop", "s1").toCompletableFuture().join();

        push.messageStored(message("the launch code"), List.of("bob", "carol"));
        timers.runDue();

        assertThat(sent).hasSize(1);
        assertThat(sentTo.peek().userId()).isEqualTo("bob");
        assertThat(sent.peek().preview()).isNull();
        assertThat(sent.peek().data()).isEqualTo(Map.of("parley", "sync"));
    }

    @Test
    void previewsCarryTheTruncatedBodyWhenTheOperatorEnablesThem() {
        PushService push = service(new PushSettings(true, 5, Duration.ofSeconds(30), 100, 4, 3, Duration.ofMillis(10),
                Duration.ofMillis(100), 10));
        push.register(device("bob", "phone"), "fake", "tok-bob").toCompletableFuture().join();
        push.messageStored(message("hello world"), List.of("bob"));
        timers.runDue();
        assertThat(sent).hasSize(1);
        assertThat(sent.peek().data()).containsEntry("body", "hello…").containsEntry("sender", "alice")
                .containsEntry("conv", "d:alice:bob");
    }

    @Test
    void aTargetTheProviderCallsDeadIsRemovedFromTheDeviceForGood() {
        PushService push = service(PushSettings.defaults().withMinInterval(Duration.ZERO));
        push.register(device("bob", "phone"), "fake", "tok-dead").toCompletableFuture().join();
        answer = t -> new PushResult.DeadTarget("Unregistered");

        push.messageStored(message("hi"), List.of("bob"));
        timers.runDue();

        assertThat(accounts.device("bob", "phone").pushProvider()).isNull();
        assertThat(accounts.device("bob", "phone").pushTarget()).isNull();
        push.messageStored(message("again"), List.of("bob"));
        timers.advance(Duration.ofMinutes(1)); // everything the dispatcher could schedule has run
        assertThat(sent).hasSize(1);
    }

    @Test
    void aDeadAnswerDoesNotRemoveATargetRegisteredSince() {
        PushService push = service(PushSettings.defaults().withMinInterval(Duration.ZERO));
        Device phone = device("bob", "phone");
        push.register(phone, "fake", "tok-old").toCompletableFuture().join();
        CompletableFuture<PushResult> pending = new CompletableFuture<>();
        PushSender slow = fake;
        java.util.concurrent.atomic.AtomicBoolean asked = new java.util.concurrent.atomic.AtomicBoolean();
        PushService slowService = new PushService(List.of(new PushSender() {
            @Override public String provider() {
                return "fake";
            }

            @Override public String validateTarget(String target) {
                return slow.validateTarget(target);
            }

            @Override public CompletionStage<PushResult> send(PushTarget target, PushNotification n) {
                asked.set(true);
                return pending;
            }
        }), PushSettings.defaults(), accounts, presence, timers, timers.nanos::get, new SimpleMeterRegistry());
        slowService.messageStored(message("hi"), List.of("bob"));
        timers.runDue();
        assertThat(asked).isTrue();
        push.register(phone, "fake", "tok-new").toCompletableFuture().join();
        pending.complete(new PushResult.DeadTarget("Unregistered"));
        timers.advance(Duration.ofMinutes(1));
        assertThat(accounts.device("bob", "phone").pushTarget()).isEqualTo("tok-new");
    }
}
