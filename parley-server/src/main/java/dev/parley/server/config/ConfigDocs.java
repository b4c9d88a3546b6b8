package dev.parley.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Generates {@code parley-default.yaml} and the key table of docs/CONFIGURATION.md from
 * {@link ConfigKey} and {@link ConfigSection}, so that the file, the guide and the code cannot
 * drift apart. {@code ConfigDocsTest} fails while the checked-in files differ from what this
 * generates; to regenerate them, from the repository root:
 *
 * <pre>
 * mvn -B -ntp -o -q -pl parley-server -am -DskipTests compile
 * java -cp parley-server/target/classes dev.parley.server.config.ConfigDocs
 * </pre>
 */
final class ConfigDocs {

    /** Where the generated files live, relative to the repository root. */
    static final Path DEFAULT_YAML = Path.of("parley-server", "src", "main", "resources", ServerConfig.DEFAULTS_RESOURCE);
    static final Path GUIDE = Path.of("docs", "CONFIGURATION.md");

    static final String TABLE_BEGIN = "<!-- generated from ConfigKey by ConfigDocs: begin -->";
    static final String TABLE_END = "<!-- generated from ConfigKey by ConfigDocs: end -->";

    private static final String YAML_HEADER = """
            # Parley server configuration: every key with its default.
            # Generated from ConfigKey (parley-server) by ConfigDocs: edit the definitions there, not this file.
            #
            # Copy this file, keep the keys you change, and start the server with --config FILE.
            # Every key can also be set by an environment variable named PARLEY_ + the key's path in
            # upper snake case, which wins over the file:
            #   server.port            -> PARLEY_SERVER_PORT
            #   server.maxFrameBytes   -> PARLEY_SERVER_MAX_FRAME_BYTES
            #   store.dataDir          -> PARLEY_STORE_DATA_DIR
            #   limits.argon2MemoryKiB -> PARLEY_LIMITS_ARGON2_MEMORY_KIB
            # Unknown keys in the file are errors; the server lists every problem at start-up and exits.
            """;

    /** A string YAML reads back as the same string without quotes. */
    private static final Pattern PLAIN_SCALAR = Pattern.compile("[A-Za-z0-9._/-]+(:[A-Za-z0-9._/-]+)*");
    private static final Pattern NOT_A_STRING = Pattern.compile(
            "(?i)true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_]*(\\.[0-9_]*)?([e][-+]?[0-9]+)?");

    private ConfigDocs() {
    }

    /** Writes both files under {@code args[0]}, the repository root (default: the working directory). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Path guide = root.resolve(GUIDE);
        Files.writeString(root.resolve(DEFAULT_YAML), defaultYaml(), StandardCharsets.UTF_8);
        Files.writeString(guide, withTable(Files.readString(guide, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        System.out.println("wrote " + root.resolve(DEFAULT_YAML) + " and the key table of " + guide);
    }

    /** {@code parley-default.yaml}: every key with its default and comment, section by section. */
    static String defaultYaml() {
        StringBuilder out = new StringBuilder(YAML_HEADER);
        List<String> open = new ArrayList<>(); // the mappings the previous key was in, outermost first
        List<String> done = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            List<String> wanted = List.of(k.sectionPath().split("\\."));
            int common = 0;
            while (common < open.size() && common < wanted.size() && open.get(common).equals(wanted.get(common))) {
                common++;
            }
            for (int depth = common; depth < wanted.size(); depth++) {
                String section = String.join(".", wanted.subList(0, depth + 1));
                if (done.contains(section)) {
                    throw new IllegalStateException("the keys of " + section + " must be declared together in ConfigKey");
                }
                done.add(section);
                if (depth == 0) {
                    out.append('\n');
                }
                comment(out, ConfigSection.byPath(section).comment, depth);
                out.append("  ".repeat(depth)).append(wanted.get(depth)).append(":\n");
            }
            open = wanted;
            comment(out, k.comment, wanted.size());
            out.append("  ".repeat(wanted.size())).append(k.path.substring(k.path.lastIndexOf('.') + 1)).append(':');
            if (k.defaultValue != null) {
                out.append(' ').append(yamlScalar(k));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The key table of docs/CONFIGURATION.md, header included. */
    static String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| key | default | environment variable | range | meaning |\n");
        out.append("| --- | --- | --- | --- | --- |\n");
        for (ConfigKey k : ConfigKey.values()) {
            String def = k.defaultValue == null ? "(unset)" : k.defaultValue.isEmpty() ? "`\"\"`" : "`" + k.defaultValue + "`";
            String range = k.kind == ConfigKey.Kind.INT ? String.format(Locale.ROOT, "%,d … %,d", k.min, k.max) : "";
            out.append("| `").append(k.path).append("` | ").append(def).append(" | `").append(k.envName())
                    .append("` | ").append(range).append(" | ").append(k.doc).append(" |\n");
        }
        return out.toString();
    }

    /** {@code guide} with the text between the table markers replaced by {@link #markdownTable()}. */
    static String withTable(String guide) {
        int begin = guide.indexOf(TABLE_BEGIN);
        int end = guide.indexOf(TABLE_END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(GUIDE + " must hold the markers " + TABLE_BEGIN + " and " + TABLE_END);
        }
        return guide.substring(0, begin + TABLE_BEGIN.length()) + "\n" + markdownTable() + guide.substring(end);
    }

    private static void comment(StringBuilder out, String text, int depth) {
        if (text == null) {
            return;
        }
        for (String line : text.split("\n")) {
            out.append("  ".repeat(depth)).append('#').append(line.isEmpty() ? "" : " " + line).append('\n');
        }
    }

    private static String yamlScalar(ConfigKey k) {
        String v = k.defaultValue;
        boolean plain = !v.isEmpty() && PLAIN_SCALAR.matcher(v).matches()
                && (k.kind != ConfigKey.Kind.STRING || !NOT_A_STRING.matcher(v).matches());
        return plain ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
