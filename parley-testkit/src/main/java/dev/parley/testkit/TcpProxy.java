package dev.parley.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of a server, for tests that cut live connections without touching
 * the server or the client: {@link #dropAll()} resets every connection that passes through it
 * (both sides see a reset, as when a network path dies), and new connections are accepted again
 * right away. {@link #stall()} stops forwarding from the server to the clients (the server sees a
 * client that does not read; with a small upstream receive buffer its writes back up quickly)
 * until {@link #unstall()}. Works for any TCP protocol; here, HTTP and WebSocket.
 *
 * <p>In front of several servers it is a load balancer, as clients meet one in production: each
 * new connection goes to the next backend round-robin, a backend that refuses the connection (a
 * dead server) is skipped, and when none accepts, the client's connection is reset and it retries
 * as after any network error. {@link #retarget} replaces the backends (a health check taking a
 * server out); connections already open stay on their backend and die with it.
 *
 * <p>Thread-safe. Uses two daemon threads per proxied connection.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private volatile List<InetSocketAddress> backends;
    private int next; // accept thread only
    private final List<URI> routed = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final int upstreamReceiveBuffer;
    private final Object stallLock = new Object();
    private boolean stalled;
    private volatile boolean closed;

    private TcpProxy(ServerSocket listener, List<URI> backends, int upstreamReceiveBuffer) {
        this.listener = listener;
        this.backends = addresses(backends);
        this.upstreamReceiveBuffer = upstreamReceiveBuffer;
    }

    /** Starts a proxy on 127.0.0.1 (ephemeral port) forwarding to the host and port of {@code targetBase}. */
    public static TcpProxy start(URI targetBase) throws IOException {
        return start(targetBase, 0);
    }

    /**
     * Like {@link #start(URI)}, with the receive buffer of each upstream socket fixed at
     * {@code upstreamReceiveBuffer} bytes (0: the system's auto-tuned default), so that a
     * {@link #stall()} pushes back on the server after little data.
     */
    public static TcpProxy start(URI targetBase, int upstreamReceiveBuffer) throws IOException {
        return start(List.of(targetBase), upstreamReceiveBuffer);
    }

    /** A load balancer on 127.0.0.1 (ephemeral port) in front of {@code backends} (HTTP base URIs). */
    public static TcpProxy start(List<URI> backends) throws IOException {
        return start(backends, 0);
    }

    private static TcpProxy start(List<URI> backends, int upstreamReceiveBuffer) throws IOException {
        ServerSocket ss = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        TcpProxy p = new TcpProxy(ss, backends, upstreamReceiveBuffer);
        Thread t = new Thread(p::acceptLoop, "tcp-proxy-" + ss.getLocalPort());
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** The proxy's address as an HTTP base URI. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** New connections go to these backends from now on. */
    public void retarget(List<URI> newBackends) {
        this.backends = addresses(newBackends);
    }

    /** The backend of every connection forwarded so far, in order of acceptance. */
    public List<URI> routed() {
        return List.copyOf(routed);
    }

    /** How many client connections the proxy has accepted so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Stops forwarding from the server to the clients until {@link #unstall()}. */
    public void stall() {
        synchronized (stallLock) {
            stalled = true;
        }
    }

    /** Forwards from the server to the clients again. */
    public void unstall() {
        synchronized (stallLock) {
            stalled = false;
            stallLock.notifyAll();
        }
    }

    /** Resets every connection currently open through the proxy. */
    public void dropAll() {
        for (Socket s : List.copyOf(sockets)) {
            reset(s);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Socket upstream = connectToABackend();
            if (upstream == null) {
                reset(client);
                continue;
            }
            try {
                client.setTcpNoDelay(true);
            } catch (IOException e) {
                reset(client);
                reset(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream, false);
            pump(upstream, client, true);
        }
    }

    /** Round-robin from the next backend; the first that accepts wins. Null when none does. */
    private Socket connectToABackend() {
        List<InetSocketAddress> all = backends;
        for (int tried = 0; tried < all.size(); tried++) {
            InetSocketAddress target = all.get(Math.floorMod(next++, all.size()));
            Socket s = new Socket();
            try {
                if (upstreamReceiveBuffer > 0) {
                    s.setReceiveBufferSize(upstreamReceiveBuffer); // before connect: fixes the window
                }
                s.connect(target, 5_000);
                s.setTcpNoDelay(true);
                routed.add(URI.create("http://" + target.getHostString() + ":" + target.getPort()));
                return s;
            } catch (IOException e) {
                reset(s); // refused: that server is down; try the next
            }
        }
        return null;
    }

    private static List<InetSocketAddress> addresses(List<URI> uris) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (URI u : Objects.requireNonNull(uris, "backends")) {
            out.add(new InetSocketAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : 80));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a proxy needs at least one backend");
        }
        return List.copyOf(out);
    }

    private void pump(Socket from, Socket to, boolean downstream) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while (true) {
                    if (downstream) {
                        awaitUnstalled();
                    }
                    n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a reset or a close on either side ends this direction
            } finally {
                reset(from);
                reset(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void awaitUnstalled() throws IOException {
        synchronized (stallLock) {
            while (stalled && !closed) {
                try {
                    stallLock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
    }

    private void reset(Socket s) {
        sockets.remove(s);
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // RST instead of FIN: the peer sees the connection die
                s.close();
            }
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        unstall();
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        dropAll();
    }
}
