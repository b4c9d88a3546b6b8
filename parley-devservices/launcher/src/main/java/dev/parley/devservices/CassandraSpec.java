package dev.parley.devservices;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * One Cassandra 5.0 node from the jars of {@code parley-devservices/cassandra-dist}, launched with
 * {@code java} directly (Cassandra's own script refuses root) with the flags Java 17 needs and the
 * start-up switches meant for tests and local development (never for production).
 */
final class CassandraSpec implements ServiceSpec {
    static final String DATACENTER = "datacenter1";
    private static final String[] READY_LINES = {"Startup complete", "Starting listening for CQL clients"};

    private static final List<String> ADD_EXPORTS = List.of(
            "java.base/jdk.internal.misc", "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry", "java.rmi/sun.rmi.server", "java.sql/java.sql", "java.base/java.lang.ref",
            "jdk.unsupported/sun.misc", "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach");
    private static final List<String> ADD_OPENS = List.of(
            "java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
            "java.base/java.io", "java.base/java.lang.reflect", "jdk.compiler/com.sun.tools.javac",
            "java.base/java.lang", "java.base/java.util", "java.base/java.nio");
    /**
     * Start-up speed-ups for a single dev node. Commit-log fsync is skipped and the log syncs
     * periodically, so a node killed with -9 loses its last acknowledged writes (measured: the
     * last 100-200 ms); stop it with SIGTERM. Schema flushes are kept, or a node killed with -9
     * would come back without the keyspaces it had.
     */
    private static final List<String> FAST_START = List.of(
            "-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=0",
            "-Dcassandra.auto_bootstrap=false", "-Dcassandra.load_ring_state=false",
            "-Dcassandra.superuser_setup_delay_ms=0", "-Dcassandra.skip_sync=true",
            "-Dcassandra.autocompaction_on_startup_enabled=false", "-Dcassandra.skip_paxos_state_rebuild=true",
            "-Dcassandra.test.ignore_sigar=true", "-Dcassandra.shutdown_announce_in_ms=0");

    private final Path dir;
    private final Path lib;
    private final DevServices.Ports ports;
    private final String java;

    CassandraSpec(Path workDir, DevServices.Ports ports) {
        this.dir = workDir.resolve(Service.CASSANDRA.id()).toAbsolutePath();
        this.lib = DevServices.findDist("cassandra-dist");
        this.ports = ports;
        this.java = Host.javaFor(Service.CASSANDRA);
    }

    @Override
    public Service service() {
        return Service.CASSANDRA;
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public List<Integer> ports() {
        return List.of(ports.cassandraCql(), ports.cassandraStorage());
    }

    private Path conf() {
        return dir.resolve("conf");
    }

    private Path data() {
        return dir.resolve("data");
    }

    @Override
    public void prepare() throws IOException {
        Files.createDirectories(conf());
        for (String d : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs")) {
            Files.createDirectories(data().resolve(d));
        }
        Path d = data();
        Files.writeString(conf().resolve("cassandra.yaml"), """
                # written by parley-devservices; rewritten at every start
                cluster_name: parley-dev
                num_tokens: 1
                initial_token: 0
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                endpoint_snitch: SimpleSnitch
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: "127.0.0.1:%2$d"
                listen_address: 127.0.0.1
                rpc_address: 127.0.0.1
                storage_port: %2$d
                native_transport_port: %1$d
                start_native_transport: true
                data_file_directories: ["%3$s"]
                commitlog_directory: "%4$s"
                saved_caches_directory: "%5$s"
                hints_directory: "%6$s"
                cdc_raw_directory: "%7$s"
                commitlog_sync: periodic
                commitlog_sync_period: 10000ms
                authenticator: AllowAllAuthenticator
                authorizer: AllowAllAuthorizer
                role_manager: CassandraRoleManager
                # local development and tests only
                auto_snapshot: false
                snapshot_before_compaction: false
                hinted_handoff_enabled: false
                storage_compatibility_mode: NONE
                concurrent_compactors: 1
                commitlog_segment_size: 8MiB
                memtable_heap_space: 128MiB
                memtable_offheap_space: 128MiB
                dynamic_snitch: false
                """.formatted(ports.cassandraCql(), ports.cassandraStorage(), d.resolve("data"),
                d.resolve("commitlog"), d.resolve("saved_caches"), d.resolve("hints"), d.resolve("cdc_raw")));
        Files.writeString(conf().resolve("logback.xml"), """
                <!-- written by parley-devservices -->
                <configuration scan="false">
                  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="STDOUT"/></root>
                </configuration>
                """);
        Path hotspot = conf().resolve("hotspot_compiler");
        if (!Files.exists(hotspot)) {
            extractHotspotCompiler(hotspot);
        }
    }

    /** Cassandra's list of methods the JIT must not inline, shipped inside cassandra-all's jar. */
    private void extractHotspotCompiler(Path target) throws IOException {
        Path jar;
        try (Stream<Path> s = Files.list(lib)) {
            Optional<Path> found = s.filter(p -> p.getFileName().toString().matches("cassandra-all-.*\\.jar")).findFirst();
            if (found.isEmpty()) {
                throw DevServicesException.missing("no cassandra-all jar in " + lib
                        + "; rebuild it with: mvn -pl parley-devservices/cassandra-dist package");
            }
            jar = found.get();
        }
        try (JarFile jf = new JarFile(jar.toFile())) {
            var entry = jf.getEntry("META-INF/hotspot_compiler");
            if (entry == null) {
                Files.writeString(target, "");
                return;
            }
            try (InputStream in = jf.getInputStream(entry)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Override
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        // As root Cassandra mlockall()s its whole heap; without CAP_IPC_LOCK it uses only what it touches.
        if (Host.isRoot()) {
            Host.executable("setpriv").ifPresent(sp -> cmd.addAll(List.of(sp.toString(), "--bounding-set", "-ipc_lock")));
        }
        cmd.add(java);
        cmd.addAll(List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1",
                "-XX:CompileCommandFile=" + conf().resolve("hotspot_compiler"),
                "-Djava.net.preferIPv4Stack=true", "-Djava.awt.headless=true",
                "-Djdk.attach.allowAttachSelf=true", "-Dio.netty.tryReflectionSetAccessible=true"));
        for (String e : ADD_EXPORTS) {
            cmd.add("--add-exports=" + e + "=ALL-UNNAMED");
        }
        for (String o : ADD_OPENS) {
            cmd.add("--add-opens=" + o + "=ALL-UNNAMED");
        }
        cmd.add("-Dcassandra.config=" + conf().resolve("cassandra.yaml").toUri());
        cmd.add("-Dcassandra-foreground=yes");
        cmd.add("-Dcassandra.storagedir=" + data());
        cmd.add("-Dcassandra.logdir=" + data().resolve("logs"));
        cmd.add("-Dlogback.configurationFile=" + conf().resolve("logback.xml").toUri());
        cmd.addAll(FAST_START);
        cmd.addAll(List.of("-cp", lib + File.separator + "*", "org.apache.cassandra.service.CassandraDaemon"));
        return cmd;
    }

    @Override
    public boolean isReady(LogWatcher log) throws IOException {
        return log.contains(READY_LINES) && Probes.accepts(ports.cassandraCql());
    }

    @Override
    public Duration startTimeout() {
        return Timeouts.start(Duration.ofSeconds(180));
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(45);
    }
}
