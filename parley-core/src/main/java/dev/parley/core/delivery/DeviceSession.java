package dev.parley.core.delivery;

import dev.parley.core.account.Device;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.presence.PresenceState;
import dev.parley.core.presence.PresenceSubscriber;
import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ParleyException;
import dev.parley.protocol.ServerFrame;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * One authenticated device connection: the glue between the transport and the three parts that
 * do the work. Requests go to the server's {@link RequestDispatcher} (frame to service call,
 * result to reply); the user's inbox is delivered by an {@link InboxDelivery} (cursor order, an
 * explicit state) and acknowledged through {@link Acknowledgements}; both are created by the
 * first {@code sync} (the acknowledgements also by an {@code ack} that comes first), so an
 * idle connection holds neither.
 *
 * <p>Threading: every method runs on, or hops to, the transport's executor; state is confined
 * to it, so there are no locks.
 */
public final class DeviceSession implements Transport.Listener, PresenceSubscriber {
    private final Device device;
    final Transport transport;
    private final SessionContext context;
    final RateLimiter rateLimiter;
    /** The user's send limit, shared with the user's other sessions on this server. */
    final TokenBuckets.Bucket userSends;
    private InboxDelivery inbox;
    private Acknowledgements acks;
    private boolean closed;

    DeviceSession(Device device, Transport transport, SessionContext context, RateLimiter rateLimiter,
                  TokenBuckets.Bucket userSends) {
        this.device = device;
        this.transport = transport;
        this.context = context;
        this.rateLimiter = rateLimiter;
        this.userSends = Objects.requireNonNull(userSends, "userSends");
    }

    public Device device() {
        return device;
    }

    @Override
    public String viewerId() {
        return device.userId();
    }

    /** Handles one decoded request. Call on the transport's executor. */
    @Override
    public void onFrame(ClientFrame frame) {
        if (!closed) {
            context.dispatcher().dispatch(this, frame);
        }
    }

    /** A new entry in this user's inbox exists; may be called from any thread. */
    public void notifyEntry(InboxEntry entry) {
        transport.executor().execute(() -> {
            if (!closed && inbox != null) {
                inbox.onEntry(entry);
            }
        });
    }

    /** Connection became writable again: resume delivery from the store. */
    @Override
    public void onWritable() {
        transport.executor().execute(() -> {
            if (!closed && inbox != null) {
                inbox.onWritable();
            }
        });
    }

    @Override
    public void presenceChanged(PresenceState state) {
        deliverEphemeral(Views.presenceEvent(state));
    }

    /** Sends a frame that is not stored (typing, presence); dropped while the connection is congested. */
    public void deliverEphemeral(ServerFrame frame) {
        transport.executor().execute(() -> {
            if (!closed && transport.isWritable()) {
                transport.send(frame);
            }
        });
    }

    /**
     * Sends {@code welcome}; called once when the session opens, on the transport's executor and
     * before any frame the client sent is handled, so {@code welcome} is always the first frame.
     */
    void welcome(ServerFrame.Welcome welcome) {
        transport.send(welcome);
    }

    /** Tells the client to reconnect and closes the connection (shutdown, replacement, revocation). */
    public void closeWith(ServerFrame.Reconnect notice, int statusCode, String reason) {
        transport.executor().execute(() -> {
            if (closed) {
                return;
            }
            if (notice != null) {
                transport.send(notice);
            }
            transport.close(statusCode, reason);
        });
    }

    /** The connection closed; call once, from the transport. */
    @Override
    public void onClosed() {
        transport.executor().execute(() -> {
            if (!closed) {
                closed = true;
                context.onClose().accept(this);
            }
        });
    }

    // ---- for the dispatcher, the inbox delivery and the acknowledgements (same executor) ----

    SessionContext context() {
        return context;
    }

    boolean isClosed() {
        return closed;
    }

    InboxDelivery inbox() {
        if (inbox == null) {
            inbox = new InboxDelivery(this);
        }
        return inbox;
    }

    Acknowledgements acks() {
        if (acks == null) {
            acks = new Acknowledgements(this);
        }
        return acks;
    }

    InboxDelivery.State inboxState() {
        return inbox == null ? InboxDelivery.State.IDLE : inbox.state();
    }

    long sentUpTo() {
        return inbox == null ? 0 : inbox.sentUpTo();
    }

    void checkInboxHead() {
        if (inbox != null) {
            inbox.checkHead();
        }
    }

    void send(ServerFrame frame) {
        transport.send(frame);
    }

    void sendError(String requestId, ParleyException e) {
        context.dispatcher().sendError(this, requestId, e);
    }

    void replyOk(String requestId, CompletionStage<?> stage) {
        context.dispatcher().replyOk(this, requestId, stage);
    }
}
