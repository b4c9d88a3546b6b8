package dev.parley.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts real Redis, Kafka and Cassandra processes; the machine's only heavy test of this module. */
class DevServicesTest {

    @Test
    @Timeout(240)
    void startsAllThreeSurvivesKillingRedisAndStopsEverything(@TempDir Path dir) throws Exception {
        DevServices.Ports ports = DevServices.Ports.free();
        Map<Service, ProcessHandle> pids = new java.util.EnumMap<>(Service.class);
        try (DevServices ds = DevServices.start(dir, EnumSet.allOf(Service.class), ports)) {
            for (Service s : Service.values()) {
                System.out.printf("%s ready in %d ms%n", s, ds.startupTime(s).toMillis());
                assertThat(ds.isRunning(s)).as(s + " running").isTrue();
                Optional<ProcessHandle> h = ServiceProcess.findRunning(ds.workDir(), s);
                assertThat(h).as(s + " pid file").isPresent();
                pids.put(s, h.get());
            }
            assertThat(ds.redisUri()).isEqualTo("redis://127.0.0.1:" + ports.redis());
            assertThat(ds.kafkaBootstrap()).isEqualTo("127.0.0.1:" + ports.kafka());
            assertThat(ds.cassandraContactPoint().getPort()).isEqualTo(ports.cassandraCql());
            assertThat(ds.cassandraLocalDatacenter()).isEqualTo("datacenter1");

            assertThat(Probes.redisPing(ports.redis())).as("Redis answers PING").isTrue();
            assertThat(Probes.accepts(ports.kafka())).as("Kafka port open").isTrue();
            assertThat(Files.readString(ds.logFile(Service.KAFKA))).contains("Kafka Server started");
            assertThat(Probes.accepts(ports.cassandraCql())).as("Cassandra CQL port open").isTrue();

            ds.kill9(Service.REDIS);
            assertThat(ds.isRunning(Service.REDIS)).isFalse();
            assertThat(Probes.redisPing(ports.redis())).as("Redis gone after kill -9").isFalse();
            ds.restart(Service.REDIS);
            assertThat(Probes.redisPing(ports.redis())).as("Redis answers PING after restart").isTrue();
            pids.put(Service.REDIS, ServiceProcess.findRunning(ds.workDir(), Service.REDIS).orElseThrow());
            System.out.printf("REDIS restarted in %d ms%n", ds.startupTime(Service.REDIS).toMillis());
        }
        long t0 = System.nanoTime();
        for (Map.Entry<Service, ProcessHandle> e : pids.entrySet()) {
            assertThat(e.getValue().isAlive()).as(e.getKey() + " stopped by close()").isFalse();
            assertThat(ServiceProcess.pidFile(dir.toAbsolutePath(), e.getKey())).doesNotExist();
        }
        for (int port : new int[] {ports.redis(), ports.kafka(), ports.cassandraCql()}) {
            assertThat(Probes.accepts(port)).as("port " + port + " closed").isFalse();
        }
        System.out.printf("checked shutdown in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
