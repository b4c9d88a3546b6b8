package dev.parley.server.ws;

import dev.parley.core.Parley;
import dev.parley.core.account.Device;
import dev.parley.core.delivery.DeviceSession;
import dev.parley.core.delivery.Transport;
import dev.parley.protocol.ClientFrame;
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

    /** Opens the device's session on {@code transport}; the core sends {@code welcome}. Called on the transport's executor. */
    Session open(Device device, Transport transport);

    /** One open session, as the handler drives it; every call on the transport's executor. */
    interface Session {
        void onFrame(ClientFrame frame);

        void onWritable();

        void onClosed();
    }

    /** The gateway backed by the core. */
    static SessionGateway of(Parley parley) {
        Objects.requireNonNull(parley, "parley");
        return new SessionGateway() {
            @Override
            public CompletionStage<Device> authenticate(String token) {
                return parley.authenticate(token);
            }

            @Override
            public Session open(Device device, Transport transport) {
                DeviceSession s = parley.openSession(device, transport);
                return new Session() {
                    @Override
                    public void onFrame(ClientFrame frame) {
                        s.onFrame(frame);
                    }

                    @Override
                    public void onWritable() {
                        s.onWritable();
                    }

                    @Override
                    public void onClosed() {
                        s.onClosed();
                    }
                };
            }
        };
    }
}
