package dev.parley.core.delivery;

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
}
