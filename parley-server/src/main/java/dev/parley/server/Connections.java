package dev.parley.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every accepted connection, kept per event loop. Each loop's list is touched only by that loop's
 * thread (added by the channel initializer, walked by {@link IdleSweep}), so it needs no locks and
 * costs an array slot per connection, where a {@code ChannelGroup} costs a concurrent map node
 * and table slot (about 40 bytes). Closed channels are dropped lazily: when the list is walked or
 * would otherwise grow.
 */
public final class Connections {
    private static final int INITIAL_CAPACITY = 64;

    /** Fixed at construction, so reading it from any thread is safe. */
    private final Map<EventExecutor, LoopConnections> byLoop = new IdentityHashMap<>();

    /** Lists for every event loop of {@code loops}. */
    public Connections(EventLoopGroup loops) {
        for (EventExecutor loop : loops) {
            byLoop.put(loop, new LoopConnections());
        }
    }

    /** Adds a newly accepted channel (on its event loop; from elsewhere it hops there). */
    public void add(Channel ch) {
        if (ch.eventLoop().inEventLoop()) {
            of(ch.eventLoop()).add(ch);
        } else {
            ch.eventLoop().execute(() -> of(ch.eventLoop()).add(ch));
        }
    }

    /**
     * The open channels of {@code loop}, after dropping closed ones. Call on {@code loop}; the
     * list is a view, valid until the loop adds a channel.
     */
    public List<Channel> openOn(EventExecutor loop) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("call on the event loop itself");
        }
        return of(loop).open();
    }

    /** A copy of every open channel, collected on each loop in turn. Do not call on an event loop. */
    public List<Channel> snapshot() {
        List<Channel> all = new ArrayList<>();
        for (Map.Entry<EventExecutor, LoopConnections> e : byLoop.entrySet()) {
            if (e.getKey().isShuttingDown()) {
                continue; // its channels are being closed with it
            }
            all.addAll(e.getKey().submit(() -> List.copyOf(e.getValue().open())).syncUninterruptibly().getNow());
        }
        return all;
    }

    private LoopConnections of(EventExecutor loop) {
        LoopConnections c = byLoop.get(loop);
        if (c == null) {
            throw new IllegalArgumentException("not an event loop of this server: " + loop);
        }
        return c;
    }

    /** One loop's channels; confined to that loop's thread. */
    private static final class LoopConnections {
        private Channel[] channels = new Channel[INITIAL_CAPACITY];
        private int size;

        void add(Channel ch) {
            if (size == channels.length) {
                dropClosed();
                if (size > channels.length / 2) {
                    channels = Arrays.copyOf(channels, channels.length * 2);
                }
            }
            channels[size++] = ch;
        }

        List<Channel> open() {
            dropClosed();
            return Collections.unmodifiableList(Arrays.asList(channels).subList(0, size));
        }

        private void dropClosed() {
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (channels[i].isOpen()) {
                    channels[kept++] = channels[i];
                }
            }
            Arrays.fill(channels, kept, size, null);
            size = kept;
        }
    }
}
