package dev.parley.it.scaleout;

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

/**
 * A loopback TCP load balancer in front of chat servers, as clients meet one in production: one
 * address, several backends. Each new connection goes to the next backend round-robin; a backend
 * that refuses the connection (a dead server) is skipped, and when none accepts, the client's
 * connection is reset and it retries as it would after any network error. {@link #retarget}
 * replaces the backends (an operator or a health check taking a server out); connections already
 * open stay on their backend until either side closes them, and die with it.
 *
 * <p>Thread-safe. Two daemon threads per proxied connection.
 */
final class LoadBalancer implements AutoCloseable {
    private final ServerSocket listener;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<URI> routed = new CopyOnWriteArrayList<>();
    private volatile List<InetSocketAddress> backends;
    private int next;
    private volatile boolean closed;

    private LoadBalancer(ServerSocket listener, List<URI> backends) {
        this.listener = listener;
        this.backends = addresses(backends);
    }

    /** Starts a balancer on 127.0.0.1 (ephemeral port) in front of {@code backends} (HTTP base URIs). */
    static LoadBalancer start(List<URI> backends) throws IOException {
        LoadBalancer lb = new LoadBalancer(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()), backends);
        Thread t = new Thread(lb::acceptLoop, "load-balancer-" + lb.listener.getLocalPort());
        t.setDaemon(true);
        t.start();
        return lb;
    }

    /** The balancer's address as an HTTP base URI. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** New connections go to these backends from now on. */
    void retarget(List<URI> newBackends) {
        this.backends = addresses(newBackends);
    }

    /** The backend of every connection accepted so far, in order of acceptance. */
    List<URI> routed() {
        return List.copyOf(routed);
    }

    private static List<InetSocketAddress> addresses(List<URI> uris) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (URI u : Objects.requireNonNull(uris, "backends")) {
            out.add(new InetSocketAddress(u.getHost(), u.getPort()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a load balancer needs at least one backend");
        }
        return List.copyOf(out);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
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
            pump(client, upstream);
            pump(upstream, client);
        }
    }

    /** Round-robin from the next backend; the first that accepts wins. Null when none does. */
    private Socket connectToABackend() {
        List<InetSocketAddress> all = backends;
        for (int tried = 0; tried < all.size(); tried++) {
            InetSocketAddress target = all.get(Math.floorMod(next++, all.size()));
            Socket s = new Socket();
            try {
                s.connect(target, 2_000);
                s.setTcpNoDelay(true);
                routed.add(URI.create("http://" + target.getHostString() + ":" + target.getPort()));
                return s;
            } catch (IOException e) {
                reset(s); // refused: that server is down; try the next
            }
        }
        return null;
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a reset or a close on either side ends this direction
            } finally {
                reset(from);
                reset(to);
            }
        }, "load-balancer-pump");
        t.setDaemon(true);
        t.start();
    }

    private void reset(Socket s) {
        sockets.remove(s);
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // RST: the peer sees the connection die, as when its server is killed
                s.close();
            }
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : List.copyOf(sockets)) {
            reset(s);
        }
    }
}
