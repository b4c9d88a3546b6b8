package dev.parley.core.delivery;

import dev.parley.protocol.ClientFrame;
import dev.parley.protocol.ServerFrame;
import java.util.concurrent.Executor;

/**
 * One client connection as the core sees it, implemented by the network layer. The session's
 * state is confined to {@link #executor()} (a Netty event loop), so {@link #send} is only called
 * there and the transport needs no locking.
 */
public interface Transport {

    /** Queues a frame for the client; called only on {@link #executor()}. */
    void send(ServerFrame frame);

    /** False while the outbound buffer is above its high-water mark: live delivery pauses. */
    boolean isWritable();

    /** A serial executor that owns this connection. */
    Executor executor();

    /** Closes the connection with a WebSocket status code. Safe to call more than once. */
    void close(int statusCode, String reason);

    /**
     * The other direction: what the network layer tells the session on a connection, every call
     * on the transport's executor. {@link DeviceSession} implements it, so the network layer holds
     * the session itself and no adapter per connection.
     */
    interface Listener {
        /** A decoded request from the client. */
        void onFrame(ClientFrame frame);

        /** The connection became writable again (see {@link Transport#isWritable()}). */
        void onWritable();

        /** The connection closed; called once. */
        void onClosed();
    }
}
