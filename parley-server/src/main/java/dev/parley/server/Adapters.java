package dev.parley.server;

import dev.parley.core.account.AccountStore;
import dev.parley.core.delivery.InProcessRouter;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.MessageStore;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.presence.redis.RedisPresenceConfig;
import dev.parley.presence.redis.RedisPresenceRegistry;
import dev.parley.routing.kafka.KafkaMessageRouter;
import dev.parley.routing.kafka.KafkaRouterConfig;
import dev.parley.server.config.ConfigException;
import dev.parley.server.config.ServerConfig;
import dev.parley.store.cassandra.CassandraConfig;
import dev.parley.store.cassandra.CassandraStore;
import dev.parley.store.rocksdb.RocksDbStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;

/** Builds one adapter per port from the configuration's {@code type} keys. */
final class Adapters {
    private Adapters() {
    }

    /** A store adapter serves both store ports; closing it closes both. */
    record Store(AccountStore accounts, MessageStore messages, AutoCloseable closeable, String description) {
    }

    static Store store(ServerConfig.Store s, Clock clock) {
        switch (s.type()) {
            case "rocksdb" -> {
                RocksDbStore.FsyncPolicy fsync = s.fsync() == ServerConfig.Fsync.ALWAYS
                        ? RocksDbStore.FsyncPolicy.ALWAYS : RocksDbStore.FsyncPolicy.NEVER;
                RocksDbStore store = new RocksDbStore(s.dataDir(),
                        RocksDbStore.Options.DEFAULTS.withFsync(fsync).withBatchMax(s.batchMax()), clock);
                return new Store(store, store, store,
                        "rocksdb " + s.dataDir() + " fsync=" + fsync.name().toLowerCase(java.util.Locale.ROOT));
            }
            case "cassandra" -> {
                ServerConfig.Cassandra c = s.cassandra();
                CassandraStore store = new CassandraStore(new CassandraConfig(
                        c.contactPoints().stream().map(Adapters::address).toList(), c.localDatacenter(), c.keyspace(),
                        c.replicationFactor(), Duration.ofMillis(c.requestTimeoutMs())), clock);
                return new Store(store, store, store, "cassandra " + c.contactPoints() + " keyspace " + c.keyspace());
            }
            default -> throw new ConfigException("store.type \"" + s.type() + "\" is not supported");
        }
    }

    static PresenceRegistry presence(ServerConfig.Presence p, Clock clock, MeterRegistry meters) {
        return switch (p.type()) {
            case "in-memory" -> new InMemoryPresenceRegistry(clock);
            case "redis" -> new RedisPresenceRegistry(new RedisPresenceConfig(p.redis().uri(),
                    Duration.ofSeconds(p.redis().entryTtlSeconds()), RedisPresenceConfig.DEFAULT_KEY_PREFIX), meters);
            default -> throw new ConfigException("presence.type \"" + p.type() + "\" is not supported");
        };
    }

    static MessageRouter router(ServerConfig.Router r, String serverId, PresenceRegistry presence, MeterRegistry meters,
                                Clock clock) {
        return switch (r.type()) {
            case "in-process" -> new InProcessRouter();
            case "kafka" -> new KafkaMessageRouter(new KafkaRouterConfig(r.kafka().bootstrapServers(),
                    r.kafka().topicPrefix(), serverId, (short) r.kafka().replicationFactor(),
                    r.kafka().minInsyncReplicas(), KafkaRouterConfig.DEFAULT_EPHEMERAL_MAX_AGE), presence, meters, clock);
            default -> throw new ConfigException("router.type \"" + r.type() + "\" is not supported");
        };
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return InetSocketAddress.createUnresolved(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
