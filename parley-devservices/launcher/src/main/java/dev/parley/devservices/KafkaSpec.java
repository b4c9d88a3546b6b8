package dev.parley.devservices;

import dev.parley.devservices.child.KafkaFormatAndStart;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka 4.4 node in KRaft mode (broker + controller) from the jars of
 * {@code parley-devservices/kafka-dist}. Storage is formatted only when it is not yet, so a
 * restart keeps topics, messages and committed offsets; the format runs in the broker's own JVM
 * ({@link KafkaFormatAndStart}), or in a JVM of its own when this module's classes cannot go on
 * a class path.
 */
final class KafkaSpec implements ServiceSpec {
    static final String READY_LINE = "Kafka Server started";

    private final Path dir;
    private final Path lib;
    private final DevServices.Ports ports;
    private final String java;
    private final Optional<Path> childClasses = childClasses();
    /** Cluster id to format the storage with at the next start, or "-" when it is formatted. */
    private String formatWith = "-";

    KafkaSpec(Path workDir, DevServices.Ports ports) {
        this.dir = workDir.resolve(Service.KAFKA.id());
        this.lib = DevServices.findDist("kafka-dist");
        this.ports = ports;
        this.java = Host.javaFor(Service.KAFKA);
    }

    @Override
    public Service service() {
        return Service.KAFKA;
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public List<Integer> ports() {
        return List.of(ports.kafka(), ports.kafkaController());
    }

    private Path config() {
        return dir.resolve("server.properties").toAbsolutePath();
    }

    private Path log4j() {
        return dir.resolve("log4j2.xml").toAbsolutePath();
    }

    private Path data() {
        return dir.resolve("data").toAbsolutePath();
    }

    @Override
    public void prepare() throws IOException {
        Files.createDirectories(data());
        Files.writeString(config(), """
                # written by parley-devservices; rewritten at every start
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                log.dirs=%3$s
                num.partitions=1
                default.replication.factor=1
                min.insync.replicas=1
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                transaction.state.log.num.partitions=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                num.network.threads=2
                num.io.threads=2
                """.formatted(ports.kafka(), ports.kafkaController(), data()));
        Files.writeString(log4j(), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- written by parley-devservices -->
                <Configuration status="WARN">
                  <Appenders>
                    <Console name="out" target="SYSTEM_OUT">
                      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
                    </Console>
                  </Appenders>
                  <Loggers>
                    <Logger name="kafka.request.logger" level="WARN"/>
                    <Logger name="org.apache.kafka.common.metrics" level="WARN"/>
                    <Root level="INFO"><AppenderRef ref="out"/></Root>
                  </Loggers>
                </Configuration>
                """);
        formatWith = "-";
        if (!Files.exists(data().resolve("meta.properties"))) {
            if (childClasses.isPresent()) {
                formatWith = clusterId(); // formatted by the broker's own JVM, see command()
            } else {
                format();
            }
        }
    }

    /** {@code kafka.tools.StorageTool format}, in its own short-lived JVM. */
    private void format() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + log4j().toUri(), "-cp", lib + File.separator + "*",
                "kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", config().toString()));
        Path out = dir.resolve("format.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(Redirect.to(out.toFile())).redirectInput(Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!p.waitFor(Timeouts.start(Duration.ofSeconds(90)).toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new DevServicesException("formatting Kafka's storage timed out (" + out + "). Last lines:\n"
                        + LogWatcher.tail(out, 40));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DevServicesException("interrupted while formatting Kafka's storage", e);
        }
        if (p.exitValue() != 0 || !Files.exists(data().resolve("meta.properties"))) {
            throw new DevServicesException("formatting Kafka's storage failed (exit " + p.exitValue() + ", "
                    + out + "). Last lines:\n" + LogWatcher.tail(out, 40));
        }
    }

    /** 16 random bytes in URL-safe base64 without padding: the 22 characters Kafka expects. */
    private static String clusterId() {
        while (true) {
            UUID u = UUID.randomUUID();
            ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    @Override
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
                "-Dkafka.logs.dir=" + dir.toAbsolutePath(),
                "-Dlog4j2.configurationFile=" + log4j().toUri()));
        String classpath = lib + File.separator + "*";
        if (childClasses.isPresent()) {
            cmd.addAll(List.of("-cp", classpath + File.pathSeparator + childClasses.get(),
                    KafkaFormatAndStart.class.getName(), formatWith, config().toString()));
        } else {
            cmd.addAll(List.of("-cp", classpath, "kafka.Kafka", config().toString()));
        }
        return cmd;
    }

    /** The jar or folder holding {@link KafkaFormatAndStart}, when it can go on a class path. */
    private static Optional<Path> childClasses() {
        try {
            var src = KafkaFormatAndStart.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return Optional.empty();
            }
            Path p = Path.of(src.getLocation().toURI());
            boolean usable = Files.isDirectory(p) || (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar"));
            return usable ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isReady(LogWatcher log) throws IOException {
        return log.contains(READY_LINE) && Probes.accepts(ports.kafka());
    }

    @Override
    public Duration startTimeout() {
        return Timeouts.start(Duration.ofSeconds(120));
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(30);
    }
}
