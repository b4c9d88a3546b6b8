package dev.parley.core.push;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.message.StoredMessage;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.core.presence.PresenceState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wakes the devices of members who are offline when a message arrives for them. */
public final class PushService {
    private static final Logger log = LoggerFactory.getLogger(PushService.class);

    private final Map<String, PushSender> senders;
    private final AccountStore accounts;
    private final PresenceRegistry presence;
    private final Counter sent;
    private final Counter failed;

    public PushService(List<PushSender> senders, AccountStore accounts, PresenceRegistry presence, MeterRegistry meters) {
        this.senders = senders.stream().collect(Collectors.toMap(PushSender::provider, Function.identity()));
        this.accounts = accounts;
        this.presence = presence;
        this.sent = meters.counter("parley.push.sent");
        this.failed = meters.counter("parley.push.failed");
    }

    /**
     * For each recipient that is offline, pushes to every device of theirs with a push target. When
     * presence cannot be read (its service is down), every recipient is pushed: a push to a device
     * that turns out to be online costs one redundant wake-up, a missing one leaves a message
     * unseen until the user opens the app.
     */
    public void messageStored(StoredMessage message, Collection<String> recipients) {
        if (recipients.isEmpty() || senders.isEmpty()) {
            return;
        }
        presence.lookup(recipients).whenComplete((states, e) -> {
            if (e != null) {
                log.warn("presence lookup failed; pushing to all {} recipients of seq={}: {}",
                        recipients.size(), message.seq(), e.toString());
                recipients.forEach(user -> pushToDevicesOf(user, message));
                return;
            }
            for (PresenceState state : states.values()) {
                if (!state.online()) {
                    pushToDevicesOf(state.userId(), message);
                }
            }
        });
    }

    private void pushToDevicesOf(String user, StoredMessage message) {
        accounts.devicesOf(user).whenComplete((devices, e) -> {
            if (e != null) {
                failed.increment();
                log.warn("push skipped: devices of a recipient could not be read: {}", e.toString());
                return;
            }
            for (Device d : devices) {
                push(d, message);
            }
        });
    }

    private void push(Device device, StoredMessage m) {
        if (device.pushProvider() == null) {
            return;
        }
        PushSender sender = senders.get(device.pushProvider());
        if (sender == null) {
            return;
        }
        PushNotification n = new PushNotification(device.userId(), device.deviceId(), m.conversationId(), m.messageId(),
                m.seq(), m.senderId(), m.timestamp().toEpochMilli());
        sender.send(device, n).whenComplete((v, e) -> {
            if (e == null) {
                sent.increment();
            } else {
                failed.increment();
                log.info("push to device {} failed: {}", device.deviceId(), e.toString());
            }
        });
    }
}
