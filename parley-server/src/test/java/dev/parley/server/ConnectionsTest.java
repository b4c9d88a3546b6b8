package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.local.LocalChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectionsTest {
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
    private final Connections connections = new Connections(group);

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void eachLoopSeesItsOwnOpenChannelsAndClosedOnesAreDropped() throws Exception {
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // beyond the initial capacity
            Channel ch = new LocalChannel();
            group.register(ch).sync();
            connections.add(ch); // from this thread: hops to the channel's loop
            channels.add(ch);
        }
        for (int i = 0; i < channels.size(); i += 2) {
            channels.get(i).close().sync();
        }
        List<Channel> open = channels.stream().filter(Channel::isOpen).toList();
        assertThat(connections.snapshot()).containsExactlyInAnyOrderElementsOf(open);
        int seen = 0;
        for (var executor : group) {
            EventLoop loop = (EventLoop) executor;
            List<Channel> mine = loop.submit(() -> List.copyOf(connections.openOn(loop))).get();
            assertThat(mine).allMatch(ch -> ch.eventLoop() == loop && ch.isOpen());
            seen += mine.size();
        }
        assertThat(seen).isEqualTo(150);
        channels.forEach(Channel::close);
    }

    @Test
    void openOnIsOnlyForTheLoopItself() {
        EventLoop loop = group.next();
        assertThatThrownBy(() -> connections.openOn(loop)).isInstanceOf(IllegalStateException.class);
    }
}
