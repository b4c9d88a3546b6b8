package dev.parley.server.ws;

import dev.parley.core.Parley;
import dev.parley.core.account.Device;
import dev.parley.core.delivery.Transport;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * What {@link WebSocketSessionHandler} needs from the core: authenticate a token and open a
 * session on a connection. {@link #of(Parley)} is the real one; tests give a fake, so the
 * handler is tested with an {@code EmbeddedChannel} and no store.
 */
public interface SessionGateway {

    /**
     * Resolves a bearer token to its device. Never blocks; fails with a
     * {@link dev.parley.protocol.ParleyException} ({@code UNAUTHENTICATED} for a bad token).
     */
    CompletionStage<Device> authenticate(String token);

    /**
     * Opens the device's session on {@code transport}; the core sends {@code welcome}. Called on
     * the transport's executor. Returns the session as the handler drives it (the core's
     * {@link dev.parley.core.delivery.DeviceSession} itself, no adapter per connection).
     */
    Transport.Listener open(Device device, Transport transport);

    /** The gateway backed by the core. */
    static SessionGateway of(Parley parley) {
        Objects.requireNonNull(parley, "parley");
        return new SessionGateway() {
            @Override
            public CompletionStage<Device> authenticate(String token) {
                return parley.authenticate(token);
            }

            @Override
            public Transport.Listener open(Device device, Transport transport) {
                return parley.openSession(device, transport);
            }
        };
    }
}
