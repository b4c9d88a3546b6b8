package dev.parley.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No processes started here. */
class DevServicesBasicsTest {

    @Test
    void defaultPortsAreTheDocumentedOnes() {
        assertThat(DevServices.Ports.defaults()).isEqualTo(new DevServices.Ports(16379, 19092, 19093, 19042, 17000));
    }

    @Test
    void portsParseFromTheCommandLineForm() {
        assertThat(DevServices.Ports.parse("16379, 19092,19093,19042,17000")).isEqualTo(DevServices.Ports.defaults());
        assertThatThrownBy(() -> DevServices.Ports.parse("1,2,3")).hasMessageContaining("five numbers");
    }

    @Test
    void freePortsAreDistinctAndBindable() {
        DevServices.Ports p = DevServices.Ports.free();
        List<Integer> all = List.of(p.redis(), p.kafka(), p.kafkaController(), p.cassandraCql(), p.cassandraStorage());
        assertThat(new HashSet<>(all)).hasSize(5);
        assertThat(all).allSatisfy(port -> assertThat(Probes.bindable(port)).isTrue());
    }

    @Test
    void portsMustBeDistinctAndInRange() {
        assertThatThrownBy(() -> new DevServices.Ports(1, 1, 2, 3, 4)).hasMessageContaining("used twice");
        assertThatThrownBy(() -> new DevServices.Ports(0, 1, 2, 3, 4)).hasMessageContaining("between 1 and 65535");
    }

    @Test
    void findDistLocatesTheBuiltJarsOrSaysHowToBuildThem() {
        assertThat(DevServices.findDist("kafka-dist")).endsWith(Path.of("parley-devservices", "kafka-dist", "target", "lib"));
        assertThatThrownBy(() -> DevServices.findDist("no-such-dist"))
                .isInstanceOf(DevServicesException.class)
                .hasMessageContaining("mvn -pl parley-devservices/no-such-dist package")
                .satisfies(e -> assertThat(((DevServicesException) e).isMissingPrerequisite()).isTrue());
    }

    @Test
    void statusOfAnEmptyFolderSaysStoppedAndDownIsHarmless(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(DevServicesMain.run(new String[] {"status", "--dir", dir.toString()}, ps, ps)).isEqualTo(3);
        assertThat(DevServicesMain.run(new String[] {"down", "--dir", dir.toString()}, ps, ps)).isZero();
        assertThat(DevServicesMain.run(new String[] {"sideways"}, ps, ps)).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("redis     stopped", "kafka     was not running", "unknown command sideways");
    }
}
