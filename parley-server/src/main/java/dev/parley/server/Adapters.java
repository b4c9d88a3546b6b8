package dev.parley.server;

import dev.parley.core.account.AccountStore;
import dev.parley.core.contact.ContactStore;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.delivery.InProcessRouter;
import dev.parley.core.delivery.MessageRouter;
import dev.parley.core.message.MessageStore;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.log.kafka.KafkaLogConfig;
import dev.parley.log.kafka.KafkaLogStore;
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
import java.util.function.Consumer;

/** Builds one adapter per port from the configuration's {@code type} keys. */
final class Adapters {
    private Adapters() {
    }

    /**
     * The store ports, each served by one adapter (one object may serve several: the embedded
     * store serves all four); closing {@code closeable} closes them all. {@code routerStarted} is
     * called once the core has started the router (the scale-out log announces inbox entries
     * through it).
     */
    record Store(AccountStore accounts, ContactStore contacts, ConversationStore conversations, MessageStore messages,
                 AutoCloseable closeable,
                 String description, Consumer<MessageRouter> routerStarted) {
    }

    static Store store(ServerConfig config, String serverId, Clock clock, MeterRegistry meters) {
        ServerConfig.Store s = config.store();
        switch (s.type()) {
            case "rocksdb" -> {
                RocksDbStore.FsyncPolicy fsync = s.fsync() == ServerConfig.Fsync.ALWAYS
                        ? RocksDbStore.FsyncPolicy.ALWAYS : RocksDbStore.FsyncPolicy.NEVER;
                RocksDbStore store = new RocksDbStore(s.dataDir(),
                        RocksDbStore.Options.DEFAULTS.withFsync(fsync).withBatchMax(s.batchMax())
                                .withCommitIntervalMicros(s.commitIntervalMicros()), clock);
                return new Store(store, store, store, store, store,
                        "rocksdb " + s.dataDir() + " fsync=" + fsync.name().toLowerCase(java.util.Locale.ROOT),
                        router -> { });
            }
            case "cassandra" -> {
                ServerConfig.Cassandra c = s.cassandra();
                CassandraStore cassandra = new CassandraStore(new CassandraConfig(
                        c.contactPoints().stream().map(Adapters::address).toList(), c.localDatacenter(), c.keyspace(),
                        c.replicationFactor(), Duration.ofMillis(c.requestTimeoutMs())));
                ServerConfig.Kafka k = config.router().kafka();
                KafkaLogStore log;
                try {
                    log = new KafkaLogStore(new KafkaLogConfig(k.bootstrapServers(), k.topicPrefix(), serverId,
                            k.partitions(), (short) k.replicationFactor(), k.minInsyncReplicas(),
                            s.dataDir().resolve("kafka-streams"), Duration.ofMillis(k.commitIntervalMs()),
                            Duration.ofMillis(k.requestTimeoutMs()), Duration.ofMillis(k.sessionTimeoutMs()),
                            k.maxPendingWrites()),
                            cassandra, meters, clock);
                } catch (RuntimeException e) {
                    cassandra.close();
                    throw e;
                }
                AutoCloseable both = () -> {
                    try (cassandra) {
                        log.close(); // first: it drains into Cassandra
                    }
                };
                return new Store(cassandra, cassandra, log, log, both, "kafka log " + k.bootstrapServers() + " (" + k.partitions()
                        + " partitions) projected to cassandra " + c.contactPoints() + " keyspace " + c.keyspace(),
                        log::start);
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
