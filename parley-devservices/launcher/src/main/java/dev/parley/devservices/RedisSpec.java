package dev.parley.devservices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's {@code redis-server} with its own configuration: 127.0.0.1 only, no persistence (Redis
 * holds presence, which heartbeats rebuild after a restart), no eviction.
 */
final class RedisSpec implements ServiceSpec {
    private final Path dir;
    private final int port;
    private final Path binary;

    RedisSpec(Path workDir, DevServices.Ports ports) {
        this.dir = workDir.resolve(Service.REDIS.id());
        this.port = ports.redis();
        this.binary = Host.redisServer();
    }

    @Override
    public Service service() {
        return Service.REDIS;
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public List<Integer> ports() {
        return List.of(port);
    }

    Path config() {
        return dir.resolve("redis.conf");
    }

    @Override
    public void prepare() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.writeString(config(), """
                # written by parley-devservices; rewritten at every start
                bind 127.0.0.1
                port %d
                protected-mode yes
                daemonize no
                save ""
                appendonly no
                dir "%s"
                logfile ""
                maxmemory 256mb
                maxmemory-policy noeviction
                """.formatted(port, data.toAbsolutePath()));
    }

    @Override
    public List<String> command() {
        return List.of(binary.toString(), config().toAbsolutePath().toString());
    }

    @Override
    public boolean isReady(LogWatcher log) {
        return Probes.redisPing(port);
    }

    @Override
    public Duration startTimeout() {
        return Timeouts.start(Duration.ofSeconds(20));
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(10);
    }
}
