package dev.parley.core.push;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.message.NewMessageListener;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.core.presence.PresenceState;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the devices of members who are offline when a message arrives for them, and keeps the
 * devices' push targets: registration (checked by the provider's sender, capped per user) and
 * removal of targets a provider calls dead.
 *
 * <p>Called on the server that stored the message, once per new message (a retried send is a
 * duplicate and pushes nothing): in scale-out mode each push is sent by one server.
 */
public final class PushService implements NewMessageListener {
    private static final Logger log = LoggerFactory.getLogger(PushService.class);
    /** Clears a device's push target. */
    public static final String PROVIDER_NONE = "none";

    private final Map<String, PushSender> senders;
    private final AccountStore accounts;
    private final PresenceRegistry presence;
    private final PushSettings settings;
    private final PushDispatcher dispatcher;
    private final Counter lookupFailed;
    private final Counter deadRemoved;

    public PushService(List<PushSender> senders, PushSettings settings, AccountStore accounts,
                       PresenceRegistry presence, ScheduledExecutorService timers, MeterRegistry meters) {
        this(senders, settings, accounts, presence, timers, System::nanoTime, meters);
    }

    /** @param ticker monotonic nanoseconds: the dispatcher's per-device interval and backoff follow it */
    public PushService(List<PushSender> senders, PushSettings settings, AccountStore accounts,
                       PresenceRegistry presence, ScheduledExecutorService timers, LongSupplier ticker,
                       MeterRegistry meters) {
        this.senders = senders.stream().collect(Collectors.toUnmodifiableMap(PushSender::provider, Function.identity()));
        this.accounts = accounts;
        this.presence = presence;
        this.settings = settings;
        this.dispatcher = new PushDispatcher(this.senders, settings, timers, ticker, this::removeDeadTarget,
                meters);
        this.lookupFailed = meters.counter("parley.push.dropped", "reason", "lookup_failed");
        this.deadRemoved = meters.counter("parley.push.targets_removed");
    }

    /** The providers this server sends to. */
    public Set<String> providers() {
        return senders.keySet();
    }

    /**
     * For each recipient that is offline, queues a push to every device of theirs with a push target.
     * Returns at once. When presence cannot be read (its service is down), every recipient is
     * pushed: a redundant wake-up costs less than a message left unseen.
     */
    @Override
    public void messageStored(StoredMessage message, Collection<String> recipients) {
        if (recipients.isEmpty() || senders.isEmpty()) {
            return;
        }
        PushNotification n = notificationFor(message);
        presence.lookup(recipients).whenComplete((states, e) -> {
            if (e != null) {
                log.warn("presence lookup failed; pushing to all {} recipients of seq={}: {}",
                        recipients.size(), message.seq(), e.toString());
                recipients.forEach(user -> pushToDevicesOf(user, n));
                return;
            }
            for (PresenceState state : states.values()) {
                if (!state.online()) {
                    pushToDevicesOf(state.userId(), n);
                }
            }
        });
    }

    private PushNotification notificationFor(StoredMessage m) {
        PushNotification.Preview preview = null;
        if (settings.previews()) {
            String body = m.body() == null ? "" : m.body();
            if (body.length() > settings.previewMaxChars()) {
                int end = settings.previewMaxChars();
                if (Character.isHighSurrogate(body.charAt(end - 1))) {
                    end--;
                }
                body = body.substring(0, end) + "…";
            }
            preview = new PushNotification.Preview(m.conversationId(), m.senderId(), body);
        }
        return new PushNotification("parley-sync", 1, preview);
    }

    private void pushToDevicesOf(String user, PushNotification n) {
        accounts.devicesOf(user).whenComplete((devices, e) -> {
            if (e != null) {
                lookupFailed.increment();
                log.warn("push skipped: devices of a recipient could not be read: {}", e.toString());
                return;
            }
            devices.stream()
                    .filter(d -> d.pushProvider() != null && d.pushTarget() != null
                            && senders.containsKey(d.pushProvider()))
                    .limit(settings.maxTargetsPerUser())
                    .forEach(d -> dispatcher.offer(
                            new PushTarget(d.userId(), d.deviceId(), d.pushProvider(), d.pushTarget()), n));
        });
    }

    /**
     * Sets (or with provider {@value #PROVIDER_NONE} clears) where to wake {@code device} when it is
     * offline. Fails with INVALID_FIELD for a provider this server does not send to or an unusable
     * target, and with TOO_MANY_PUSH_TARGETS when the user's other devices already hold the cap.
     */
    public CompletionStage<Void> register(Device device, String provider, String target) {
        if (PROVIDER_NONE.equals(provider)) {
            return accountsClear(device);
        }
        PushSender sender = provider == null ? null : senders.get(provider);
        if (sender == null) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_FIELD,
                    "provider must be one this server sends to: " + senders.keySet().stream().sorted().toList()
                            + " (or \"none\" to clear)"));
        }
        String stored;
        try {
            if (target == null || target.isEmpty() || target.length() > 4096) {
                throw new IllegalArgumentException("target is required, at most 4096 characters");
            }
            stored = sender.validateTarget(target);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_FIELD, e.getMessage()));
        }
        return accounts.devicesOf(device.userId()).thenCompose(devices -> {
            long others = devices.stream()
                    .filter(d -> d.pushProvider() != null && !d.deviceId().equals(device.deviceId())).count();
            if (others >= settings.maxTargetsPerUser()) {
                throw new ParleyException(ErrorCode.TOO_MANY_PUSH_TARGETS, "at most "
                        + settings.maxTargetsPerUser() + " devices of a user may have a push target; clear one first");
            }
            return storeTarget(device, provider, stored);
        });
    }

    private CompletionStage<Void> accountsClear(Device device) {
        return storeTarget(device, null, null);
    }

    /**
     * Reads the device back by user and id (a session's copy of the device carries no token hash)
     * and stores it with the new target.
     */
    private CompletionStage<Void> storeTarget(Device device, String provider, String target) {
        return accounts.devicesOf(device.userId()).thenCompose(devices -> accounts.putDevice(devices.stream()
                .filter(d -> d.deviceId().equals(device.deviceId())).findFirst()
                .orElseThrow(() -> new ParleyException(ErrorCode.UNAUTHENTICATED, "missing, unknown or revoked token"))
                .withPush(provider, target)));
    }

    /** Removes a target the provider called dead, unless the device registered another one since. */
    private void removeDeadTarget(PushTarget dead) {
        accounts.devicesOf(dead.userId()).thenCompose(devices -> {
            for (Device d : devices) {
                if (d.deviceId().equals(dead.deviceId()) && dead.provider().equals(d.pushProvider())
                        && dead.target().equals(d.pushTarget())) {
                    return accounts.putDevice(d.withPush(null, null)).thenApply(v -> true);
                }
            }
            return CompletableFuture.completedFuture(false);
        }).whenComplete((removed, e) -> {
            if (e != null) {
                log.warn("dead push target of {} not removed: {}", dead, e.toString());
            } else if (removed) {
                deadRemoved.increment();
            }
        });
    }
}
