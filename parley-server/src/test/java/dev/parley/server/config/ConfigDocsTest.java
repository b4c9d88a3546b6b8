package dev.parley.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checked-in {@code parley-default.yaml} and key table are what {@link ConfigDocs} generates from {@link ConfigKey}. */
class ConfigDocsTest {

    /** Tests run in the module's directory. */
    private static final Path ROOT = Path.of("..");
    private static final String REGENERATE = "out of step with ConfigKey; regenerate it from the repository root: "
            + "mvn -B -ntp -o -q -pl parley-server -am -DskipTests compile && "
            + "java -cp parley-server/target/classes dev.parley.server.config.ConfigDocs";

    @TempDir
    Path dir;

    @Test
    void theDefaultFileIsGeneratedFromConfigKey() throws IOException {
        String checkedIn = Files.readString(ROOT.resolve(ConfigDocs.DEFAULT_YAML), StandardCharsets.UTF_8);
        assertThat(checkedIn).as(ConfigDocs.DEFAULT_YAML + " is " + REGENERATE).isEqualTo(ConfigDocs.defaultYaml());
    }

    @Test
    void theGuidesKeyTableIsGeneratedFromConfigKey() throws IOException {
        String checkedIn = Files.readString(ROOT.resolve(ConfigDocs.GUIDE), StandardCharsets.UTF_8);
        assertThat(checkedIn).as("the key table of " + ConfigDocs.GUIDE + " is " + REGENERATE)
                .isEqualTo(ConfigDocs.withTable(checkedIn));
    }

    @Test
    void theGeneratedFileLoadsAsTheDefaults() throws IOException {
        Path file = Files.writeString(dir.resolve("parley-default.yaml"), ConfigDocs.defaultYaml());
        assertThat(ServerConfig.load(file, Map.of())).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void theTableHasOneRowPerKeyWithItsDefaultAndRange() {
        String table = ConfigDocs.markdownTable();
        assertThat(table.lines()).hasSize(2 + ConfigKey.values().length);
        assertThat(table).contains("| `server.port` | `8080` | `PARLEY_SERVER_PORT` | 0 … 65,535 | TCP port; 0 picks a free port |");
        assertThat(table).contains("| `server.tls.cert` | (unset) | `PARLEY_SERVER_TLS_CERT` |  |");
        assertThat(table).contains("| `server.id` | `\"\"` | `PARLEY_SERVER_ID` |  |");
    }

    @Test
    void onlyTheTableBetweenTheMarkersIsReplaced() {
        String guide = "intro\n" + ConfigDocs.TABLE_BEGIN + "\nstale\n" + ConfigDocs.TABLE_END + "\noutro\n";
        assertThat(ConfigDocs.withTable(guide)).isEqualTo("intro\n" + ConfigDocs.TABLE_BEGIN + "\n"
                + ConfigDocs.markdownTable() + ConfigDocs.TABLE_END + "\noutro\n");
        assertThatThrownBy(() -> ConfigDocs.withTable("no markers")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ConfigDocs.TABLE_BEGIN);
    }

    @Test
    void mainWritesBothFiles() throws IOException {
        Path yaml = dir.resolve(ConfigDocs.DEFAULT_YAML);
        Path guide = dir.resolve(ConfigDocs.GUIDE);
        Files.createDirectories(yaml.getParent());
        Files.createDirectories(guide.getParent());
        Files.writeString(yaml, "stale: true\n");
        Files.writeString(guide, "# Guide\n" + ConfigDocs.TABLE_BEGIN + "\n" + ConfigDocs.TABLE_END + "\nprose\n");
        ConfigDocs.main(new String[] {dir.toString()});
        assertThat(Files.readString(yaml)).isEqualTo(ConfigDocs.defaultYaml());
        assertThat(Files.readString(guide)).startsWith("# Guide\n").endsWith("prose\n")
                .contains(ConfigDocs.markdownTable());
    }
}
