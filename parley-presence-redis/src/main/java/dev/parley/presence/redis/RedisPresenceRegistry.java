package dev.parley.presence.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.presence.PresenceRegistry;
import dev.parley.core.presence.PresenceState;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence across every chat server, kept in Redis; the key schema and the expiry design are in
 * {@link dev.parley.presence.redis the package documentation}.
 *
 * <p>Threading: every method may be called from any thread and never blocks on Redis (commands go
 * through Lettuce's asynchronous API; the returned stages complete on Lettuce's I/O threads, so
 * callers must not block in their continuations). Listeners are called one at a time, in the
 * order Redis published the changes, on a dedicated thread.
 *
 * <p>Failure: while Redis is unreachable, calls fail fast (their stages complete exceptionally)
 * instead of queueing; Lettuce reconnects in the background and re-subscribes to the channel.
 * This registry remembers the devices connected through it, so the next {@link #refresh} after an
 * outage re-creates them even if Redis lost its data. Changes published while the subscription
 * was down are lost (presence is best effort).
 *
 * @implNote Designed for one Redis primary (optionally with replicas and Sentinel). The scripts
 * touch a user's keys and the shared expiry index together, which Redis Cluster would refuse
 * across slots.
 *
 * <p>Over 400 lines because the Lua scripts live beside the calls that run them: a script and
 * its keys and arguments must change together, and one file keeps them in view.
 */
public final class RedisPresenceRegistry implements PresenceRegistry {
    private static final Logger log = LoggerFactory.getLogger(RedisPresenceRegistry.class);

    /** Users per script call, so that no single script holds Redis for long. */
    static final int BATCH = 256;
    /** Users expired per sweep step. */
    private static final int SWEEP_LIMIT = 256;
    /** Command timeout; a refresh that cannot finish in this long is retried by the next one. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** Commands waiting to be written while connected; beyond it calls fail fast. */
    private static final int REQUEST_QUEUE = 65_536;

    private final RedisPresenceConfig config;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final ObjectMapper json = new ObjectMapper();
    private final List<Consumer<PresenceState>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final ScheduledExecutorService sweeper;
    /**
     * server id → user → devices connected through this instance. Immutable sets, replaced on
     * change. Guarded by {@link #order} together with the dispatch of the matching command, so a
     * refresh can never be written after, and undo, a later disconnect.
     */
    private final Map<String, Map<String, Set<String>>> local = new ConcurrentHashMap<>();
    private final Object order = new Object();
    private final Counter failures;
    private final Counter expired;
    private volatile boolean sweepFailing;
    private volatile boolean closed;

    /** Connects with a private meter registry; see {@link #RedisPresenceRegistry(RedisPresenceConfig, MeterRegistry)}. */
    public RedisPresenceRegistry(RedisPresenceConfig config) {
        this(config, new SimpleMeterRegistry());
    }

    /**
     * Connects to Redis and subscribes to the presence channel. Blocks until both connections are
     * up (call it at start-up, not on an event loop).
     *
     * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached
     */
    public RedisPresenceRegistry(RedisPresenceConfig config, MeterRegistry meters) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(meters, "meters");
        this.failures = meters.counter("parley.presence.redis.failures");
        this.expired = meters.counter("parley.presence.redis.expired");
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(config.uri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT)
                        .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(Duration.ofSeconds(10))
                                .interval(Duration.ofSeconds(5)).count(3).build())
                        .build())
                .build());
        this.events = Executors.newSingleThreadExecutor(daemon("parley-presence-events"));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("parley-presence-sweep"));
        StatefulRedisConnection<String, String> conn = null;
        StatefulRedisPubSubConnection<String, String> sub = null;
        try {
            conn = client.connect();
            sub = client.connectPubSub();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    events.execute(() -> onMessage(message));
                }
            });
            sub.sync().subscribe(config.channel());
        } catch (RuntimeException e) {
            if (sub != null) {
                sub.close();
            }
            if (conn != null) {
                conn.close();
            }
            shutdownClient();
            events.shutdownNow();
            sweeper.shutdownNow();
            throw e;
        }
        this.connection = conn;
        this.redis = conn.async();
        this.pubsub = sub;
        long sweepMs = Math.max(100, Math.min(1000, config.entryTtl().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
        log.info("presence in Redis at {} (entry ttl {}, key prefix \"{}\", sweep every {} ms)",
                RedisURI.create(config.uri()).getHost(), config.entryTtl(), config.keyPrefix(), sweepMs);
    }

    // ---- the port ---------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> connected(String userId, String deviceId, String serverId) {
        requireIds(userId, deviceId, serverId);
        CompletionStage<Long> done;
        synchronized (order) {
            local.computeIfAbsent(serverId, s -> new ConcurrentHashMap<>()).compute(userId, (u, devices) -> {
                Set<String> next = devices == null ? new HashSet<>() : new HashSet<>(devices);
                next.add(deviceId);
                return Set.copyOf(next);
            });
            done = run(PresenceScripts.CONNECT, ScriptOutputType.INTEGER, userKeys(userId),
                    userId, field(serverId, deviceId), ttlMs(), config.channel());
        }
        return failed("connected", done).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Void> disconnected(String userId, String deviceId, String serverId) {
        requireIds(userId, deviceId, serverId);
        CompletionStage<Long> done;
        synchronized (order) {
            Map<String, Set<String>> users = local.get(serverId);
            if (users != null) {
                users.computeIfPresent(userId, (u, devices) -> {
                    Set<String> next = new HashSet<>(devices);
                    next.remove(deviceId);
                    return next.isEmpty() ? null : Set.copyOf(next);
                });
            }
            done = run(PresenceScripts.DISCONNECT, ScriptOutputType.INTEGER, userKeys(userId),
                    userId, field(serverId, deviceId), ttlMs(), config.channel());
        }
        return failed("disconnected", done).thenApply(r -> null);
    }

    /**
     * Re-asserts, with a fresh expiry, the devices that connected to {@code serverId} through this
     * instance and belong to {@code connectedUsers}; also marks the server alive. Devices of the
     * server that Redis holds but this instance no longer knows are removed; users Redis had lost
     * (after an outage) come back online.
     */
    @Override
    public CompletionStage<Void> refresh(String serverId, Collection<String> connectedUsers) {
        requireServer(serverId);
        Objects.requireNonNull(connectedUsers, "connectedUsers");
        Map<String, Set<String>> mine = local.getOrDefault(serverId, Map.of());
        List<String> users = new ArrayList<>(new LinkedHashSet<>(connectedUsers));
        users.removeIf(u -> !mine.containsKey(u));
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        int from = 0;
        do {
            List<String> batch = users.subList(from, Math.min(users.size(), from + BATCH));
            from += BATCH;
            List<String> keys = new ArrayList<>();
            keys.add(expiryKey());
            keys.add(aliveKey(serverId));
            List<String> args = new ArrayList<>(List.of(ttlMs(), serverId, config.channel()));
            synchronized (order) {
                for (String u : batch) {
                    Set<String> devices = mine.get(u);
                    if (devices == null) {
                        continue; // disconnected since the list was taken
                    }
                    keys.add(presenceKey(u));
                    keys.add(lastSeenKey(u));
                    args.add(u);
                    args.add(Integer.toString(devices.size()));
                    for (String d : devices) {
                        args.add(field(serverId, d));
                    }
                }
                parts.add(this.<Long>run(PresenceScripts.REFRESH, ScriptOutputType.INTEGER, keys.toArray(String[]::new),
                        args.toArray(String[]::new)).toCompletableFuture());
            }
        } while (from < users.size());
        CompletableFuture<Void> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        return failed("refresh", all.thenApply(v -> {
            long back = parts.stream().mapToLong(CompletableFuture::join).sum();
            if (back > 0) {
                log.info("presence refresh of server {} re-created {} users that Redis had lost or expired",
                        serverId, back);
            }
            return null;
        }));
    }

    @Override
    public CompletionStage<Map<String, PresenceState>> lookup(Collection<String> userIds) {
        return read("lookup", userIds).thenApply(rows -> {
            Map<String, PresenceState> out = new HashMap<>();
            rows.forEach((user, row) -> out.put(user, new PresenceState(user, !row.servers().isEmpty(), row.lastSeen())));
            return out;
        });
    }

    @Override
    public CompletionStage<Map<String, Set<String>>> locate(Collection<String> userIds) {
        return read("locate", userIds).thenApply(rows -> {
            Map<String, Set<String>> out = new HashMap<>();
            rows.forEach((user, row) -> {
                if (!row.servers().isEmpty()) {
                    out.put(user, row.servers());
                }
            });
            return out;
        });
    }

    /** {@inheritDoc} Listeners run on this registry's event thread; one that throws is logged and skipped. */
    @Override
    public void listen(Consumer<PresenceState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops sweeping and closes the connections; entries of this instance's servers then expire by themselves. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.shutdownNow();
        try {
            pubsub.close();
            connection.close();
        } finally {
            shutdownClient();
            events.shutdown();
        }
    }

    // ---- internals --------------------------------------------------------------------------

    private record Row(Instant lastSeen, Set<String> servers) {
    }

    private CompletionStage<Map<String, Row>> read(String op, Collection<String> userIds) {
        Objects.requireNonNull(userIds, "userIds");
        List<String> users = new ArrayList<>(new LinkedHashSet<>(userIds));
        if (users.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        List<CompletableFuture<Map<String, Row>>> parts = new ArrayList<>();
        for (int from = 0; from < users.size(); from += BATCH) {
            List<String> batch = users.subList(from, Math.min(users.size(), from + BATCH));
            String[] keys = new String[batch.size() * 2];
            for (int i = 0; i < batch.size(); i++) {
                keys[2 * i] = presenceKey(batch.get(i));
                keys[2 * i + 1] = lastSeenKey(batch.get(i));
            }
            CompletionStage<List<Object>> rows = run(PresenceScripts.LOOKUP, ScriptOutputType.MULTI, keys);
            parts.add(rows.thenApply(r -> parseRows(batch, r)).toCompletableFuture());
        }
        return failed(op, CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, Row> out = new HashMap<>();
            parts.forEach(p -> out.putAll(p.join()));
            return out;
        }));
    }

    private static Map<String, Row> parseRows(List<String> users, List<Object> rows) {
        if (rows.size() != users.size()) {
            throw new IllegalStateException("presence lookup returned " + rows.size() + " rows for " + users.size() + " users");
        }
        Map<String, Row> out = new HashMap<>();
        for (int i = 0; i < users.size(); i++) {
            List<?> row = (List<?>) rows.get(i);
            String seen = String.valueOf(row.get(0));
            Set<String> servers = new HashSet<>();
            for (int j = 1; j < row.size(); j++) {
                servers.add(String.valueOf(row.get(j)));
            }
            out.put(users.get(i), new Row(seen.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(seen)), servers));
        }
        return out;
    }

    /** Removes expired devices of due users; each removal that empties a user publishes its offline. */
    private void sweep() {
        try {
            int n;
            do {
                List<Object> due = this.<List<Object>>run(PresenceScripts.DUE, ScriptOutputType.MULTI, new String[] {expiryKey()},
                        Integer.toString(SWEEP_LIMIT)).toCompletableFuture().get(COMMAND_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
                n = due.size();
                List<CompletableFuture<Long>> expiries = new ArrayList<>();
                for (Object o : due) {
                    String user = String.valueOf(o);
                    expiries.add(this.<Long>run(PresenceScripts.EXPIRE, ScriptOutputType.INTEGER, userKeys(user),
                            user, ttlMs(), config.channel()).toCompletableFuture());
                }
                CompletableFuture.allOf(expiries.toArray(CompletableFuture[]::new))
                        .get(COMMAND_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
                expired.increment(expiries.stream().mapToLong(CompletableFuture::join).sum());
            } while (n == SWEEP_LIMIT && !closed);
            if (sweepFailing) {
                sweepFailing = false;
                log.info("presence sweep works again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failures.increment();
            if (!sweepFailing && !closed) {
                sweepFailing = true;
                log.warn("presence sweep failed (logged once until it works again): {}", e.toString());
            }
        }
    }

    private void onMessage(String message) {
        PresenceState state;
        try {
            JsonNode node = json.readTree(message);
            JsonNode seen = node.path("lastSeen");
            state = new PresenceState(node.path("user").asText(), node.path("online").asBoolean(),
                    seen.isNumber() ? Instant.ofEpochMilli(seen.asLong()) : null);
            if (state.userId().isEmpty()) {
                throw new IllegalArgumentException("no user");
            }
        } catch (Exception e) {
            failures.increment();
            log.warn("ignoring a malformed presence event on {}: {}", config.channel(), e.toString());
            return;
        }
        for (Consumer<PresenceState> l : listeners) {
            try {
                l.accept(state);
            } catch (RuntimeException e) {
                log.warn("presence listener failed", e);
            }
        }
    }

    /**
     * EVALSHA, and EVAL when Redis does not know the script (first use, or after a restart). The
     * scripts whose relative order matters (connect, disconnect, refresh) always go as EVAL: a
     * fall-back EVAL would be sent after commands issued later, and a refresh overtaken by a
     * disconnect would bring a gone device back until it expires.
     */
    private <T> CompletionStage<T> run(PresenceScripts.Script script, ScriptOutputType type, String[] keys, String... args) {
        CompletionStage<T> first;
        try {
            if (script.ordered()) {
                return redis.eval(script.body(), type, keys, args);
            }
            first = redis.evalsha(script.sha(), type, keys, args);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return first.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
                return redis.eval(script.body(), type, keys, args);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * Counts a failure and hands it on as {@code UNAVAILABLE}: Redis being away is a condition the
     * client retries, not a server bug, so it must not surface as {@code INTERNAL}.
     */
    private <T> CompletionStage<T> failed(String op, CompletionStage<T> stage) {
        return stage.exceptionallyCompose(e -> {
            failures.increment();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            log.debug("presence {} failed: {}", op, cause.toString());
            if (cause instanceof ParleyException) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.failedFuture(
                    new ParleyException(ErrorCode.UNAVAILABLE, "presence service unavailable, retry", cause));
        });
    }

    private String[] userKeys(String user) {
        return new String[] {presenceKey(user), lastSeenKey(user), expiryKey()};
    }

    String presenceKey(String user) {
        return config.keyPrefix() + "presence:" + user;
    }

    String lastSeenKey(String user) {
        return config.keyPrefix() + "lastseen:" + user;
    }

    String expiryKey() {
        return config.keyPrefix() + "presence-expiry";
    }

    String aliveKey(String serverId) {
        return config.keyPrefix() + "server:" + serverId + ":alive";
    }

    private static String field(String serverId, String deviceId) {
        return serverId + "|" + deviceId;
    }

    private String ttlMs() {
        return Long.toString(config.entryTtl().toMillis());
    }

    private static void requireIds(String userId, String deviceId, String serverId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        requireServer(serverId);
    }

    private static void requireServer(String serverId) {
        Objects.requireNonNull(serverId, "serverId");
        if (serverId.isEmpty() || serverId.indexOf('|') >= 0) {
            throw new IllegalArgumentException("server id must be non-empty and contain no '|': \"" + serverId + "\"");
        }
    }

    private void shutdownClient() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
