package dev.parley.core.delivery;

import dev.parley.core.ParleySettings;
import dev.parley.core.account.Device;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.MessageStore;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.protocol.FrameCodec;
import dev.parley.protocol.ServerFrame;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and closes device sessions on this server and routes notifications to them: the
 * {@link MessageRouter.Handler} of this server.
 */
public final class Sessions implements MessageRouter.Handler {
    private static final Logger log = LoggerFactory.getLogger(Sessions.class);

    private final SessionRegistry registry = new SessionRegistry();
    private final ParleySettings settings;
    private final RequestDispatcher dispatcher;
    /** Shared by every session (one field each instead of one per collaborator). */
    private final SessionContext context;
    private final PresenceRegistry presence;
    private final LongSupplier ticker;
    private final TokenBuckets userSends;

    /**
     * @param store  the inbox the sessions deliver
     * @param ticker monotonic nanoseconds for the per-connection and per-user rate limits
     */
    public Sessions(ParleySettings settings, RequestDispatcher dispatcher, MessageStore store,
                    PresenceRegistry presence, LongSupplier ticker) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.context = new SessionContext(dispatcher, store, settings.syncBatchSize(), this::closed);
        this.presence = presence;
        this.ticker = ticker;
        this.userSends = new TokenBuckets(settings.userSendPerSecond(), settings.userSendBurst(), ticker);
    }

    /** Opens a session for an authenticated device; a session of the same device is replaced. */
    public DeviceSession open(Device device, Transport transport) {
        Device kept = identityOnly(device);
        DeviceSession session = new DeviceSession(kept, transport, context,
                new RateLimiter(settings.rateLimitPerSecond(), settings.rateLimitBurst(), ticker.getAsLong()),
                userSends.of(kept.userId()));
        DeviceSession replaced = registry.add(session);
        if (replaced != null) {
            replaced.closeWith(null, 4001, "replaced by a newer connection of this device");
        }
        presence.connected(kept.userId(), device.deviceId(), settings.serverId()).exceptionally(e -> {
            log.warn("presence update failed", e);
            return null;
        });
        session.welcome(new ServerFrame.Welcome(FrameCodec.PROTOCOL_VERSION, device.userId(), device.deviceId(),
                settings.serverId(), (int) settings.heartbeatTimeout().toSeconds(), Map.of(
                        "maxBodyBytes", (long) settings.maxBodyBytes(),
                        "maxGroupMembers", (long) settings.maxGroupMembers(),
                        "rateLimitPerSecond", (long) settings.rateLimitPerSecond(),
                        "rateLimitBurst", (long) settings.rateLimitBurst(),
                        "userSendPerSecond", (long) settings.userSendPerSecond(),
                        "userSendBurst", (long) settings.userSendBurst(),
                        "maxContacts", (long) settings.maxContacts(),
                        "membershipChangesPerMinute", (long) settings.membershipChangesPerMinute())));
        return session;
    }

    /**
     * The device as its session keeps it for the connection's life: a session uses only the user
     * and device ids, so name, token hash and creation time are left out (empty, epoch), which saves
     * about 170 bytes per idle connection.
     */
    static Device identityOnly(Device device) {
        if (device.tokenHash().isEmpty() && device.name().isEmpty() && device.createdAt() == java.time.Instant.EPOCH) {
            return device;
        }
        return new Device(device.userId(), device.deviceId(), "", "", java.time.Instant.EPOCH, device.pushProvider(),
                device.pushTarget());
    }

    private void closed(DeviceSession session) {
        registry.remove(session);
        dispatcher.presence().unsubscribeAll(session);
        boolean stillHere = registry.sessionsOf(session.device().userId()).stream()
                .anyMatch(s -> s.device().deviceId().equals(session.device().deviceId()));
        if (!stillHere) {
            presence.disconnected(session.device().userId(), session.device().deviceId(), settings.serverId())
                    .exceptionally(e -> {
                        log.warn("presence update failed", e);
                        return null;
                    });
        }
    }

    @Override
    public void onInboxEntry(InboxEntry entry) {
        for (DeviceSession s : registry.sessionsOf(entry.userId())) {
            s.notifyEntry(entry);
        }
    }

    @Override
    public void onEphemeral(String userId, ServerFrame frame) {
        for (DeviceSession s : registry.sessionsOf(userId)) {
            s.deliverEphemeral(frame);
        }
    }

    @Override
    public void onDeviceRevoked(String userId, String deviceId) {
        closeDevice(userId, deviceId, 1008, "device revoked");
    }

    /** Closes the device's session on this server, if any. */
    public void closeDevice(String userId, String deviceId, int statusCode, String reason) {
        for (DeviceSession s : registry.sessionsOf(userId)) {
            if (s.device().deviceId().equals(deviceId)) {
                s.closeWith(null, statusCode, reason);
            }
        }
    }

    public SessionRegistry registry() {
        return registry;
    }

    /**
     * Forgets the send limits of users who are no longer connected here and whose limit has
     * refilled; called periodically, so that the limits' memory follows the connected users.
     */
    public void forgetIdleSendLimits() {
        userSends.forgetIdle(registry::hasSessions);
    }

    /** Users whose send limit is tracked now (for metrics and tests). */
    public int trackedSendLimits() {
        return userSends.size();
    }
}
