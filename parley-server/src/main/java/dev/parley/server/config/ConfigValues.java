package dev.parley.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The value of every key, each converted to its type and checked against its range: the default,
 * overridden by the YAML file, overridden by the environment. Rules that involve several keys
 * are the section records' business.
 */
final class ConfigValues {

    private record Raw(String value, String source) {
    }

    private final Map<ConfigKey, Object> values;
    private final Map<ConfigKey, Raw> raw;

    private ConfigValues(Map<ConfigKey, Object> values, Map<ConfigKey, Raw> raw) {
        this.values = values;
        this.raw = raw;
    }

    /**
     * Reads defaults, then {@code file} (when not null), then every {@code PARLEY_*} variable of
     * {@code env} that names a key. Unknown keys in the file are errors (a typo must not silently
     * fall back to a default); unknown environment variables are ignored.
     *
     * @throws ConfigException listing every problem found
     */
    static ConfigValues read(Path file, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Map<ConfigKey, Raw> raw = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            raw.put(k, new Raw(k.defaultValue, "default"));
        }
        List<String> problems = new ArrayList<>();
        if (file != null) {
            readYaml(file, raw, problems);
        }
        for (ConfigKey k : ConfigKey.values()) {
            String v = env.get(k.envName());
            if (v != null) {
                raw.put(k, new Raw(v.strip(), "environment variable " + k.envName()));
            }
        }
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            Object v = convert(k, raw.get(k), problems);
            if (v != null) {
                values.put(k, v);
            }
        }
        checkReadable(ConfigKey.SERVER_TLS_CERT, values, raw, problems);
        checkReadable(ConfigKey.SERVER_TLS_KEY, values, raw, problems);
        checkReadable(ConfigKey.PUSH_FCM_SERVICE_ACCOUNT_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_KEY_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_CERT_FILE, values, raw, problems);
        checkReadable(ConfigKey.PUSH_APNS_TRUSTED_CERT_FILE, values, raw, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ConfigValues(values, raw);
    }

    String str(ConfigKey k) {
        return (String) values.get(k);
    }

    int num(ConfigKey k) {
        return (Integer) values.get(k);
    }

    boolean bool(ConfigKey k) {
        return (Boolean) values.get(k);
    }

    /** The path of an optional key; null when unset. */
    Path path(ConfigKey k) {
        return (Path) values.get(k);
    }

    /** A comma-separated value as a list, blanks dropped. */
    List<String> list(ConfigKey k) {
        return Arrays.stream(str(k).split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    /** Whether the file or the environment gave {@code k} (rather than its default). */
    boolean isSet(ConfigKey k) {
        return !raw.get(k).source().equals("default");
    }

    private static void readYaml(Path file, Map<ConfigKey, Raw> raw, List<String> problems) {
        JsonNode root;
        try {
            if (!Files.isRegularFile(file)) {
                problems.add("config file " + file + " does not exist or is not a file");
                return;
            }
            root = new YAMLMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            problems.add("config file " + file + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
            return;
        } catch (IOException e) {
            problems.add("config file " + file + " cannot be read: " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file means all defaults
        }
        if (!root.isObject()) {
            problems.add("config file " + file + " must be a YAML mapping of sections (server:, store:, ...)");
            return;
        }
        flatten("", root, file, raw, problems);
    }

    private static void flatten(String prefix, JsonNode node, Path file, Map<ConfigKey, Raw> raw, List<String> problems) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            ConfigKey key = ConfigKey.byPath(path);
            if (v.isObject() && key == null) {
                flatten(path, v, file, raw, problems);
            } else if (key == null) {
                problems.add("unknown key \"" + path + "\" in " + file + "; known keys: "
                        + String.join(", ", ConfigKey.siblingsOf(path)));
            } else if (v.isContainerNode()) {
                problems.add(path + " in " + file + " must be a single value, not a list or mapping");
            } else {
                raw.put(key, new Raw(v.isNull() ? null : v.asText().strip(), file.toString()));
            }
        }
    }

    private static Object convert(ConfigKey k, Raw r, List<String> problems) {
        String v = r.value();
        if (v == null || (v.isEmpty() && k.kind == ConfigKey.Kind.PATH && k.defaultValue == null)) {
            if (k.defaultValue == null) {
                return null; // optional and unset
            }
            v = k.defaultValue;
        }
        String where = " (from " + r.source() + ")";
        switch (k.kind) {
            case STRING:
                return v;
            case INT:
                try {
                    long n = Long.parseLong(v.replace("_", ""));
                    if (n < k.min || n > k.max) {
                        problems.add(k.path + " = " + v + where + ": must be between " + k.min + " and " + k.max);
                        return null;
                    }
                    return (int) n;
                } catch (NumberFormatException e) {
                    problems.add(k.path + " = \"" + v + "\"" + where + ": must be a whole number between "
                            + k.min + " and " + k.max);
                    return null;
                }
            case BOOL:
                if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(v);
                }
                problems.add(k.path + " = \"" + v + "\"" + where + ": must be true or false");
                return null;
            case PATH:
                try {
                    if (v.isEmpty()) {
                        problems.add(k.path + where + ": must not be empty");
                        return null;
                    }
                    return Path.of(v);
                } catch (InvalidPathException e) {
                    problems.add(k.path + " = \"" + v + "\"" + where + ": not a valid path: " + e.getReason());
                    return null;
                }
            case CHOICE:
                String lower = v.toLowerCase(Locale.ROOT);
                if (k.choices.contains(lower)) {
                    return lower;
                }
                problems.add(k.path + " = \"" + v + "\"" + where + ": must be one of " + String.join(", ", k.choices)
                        + " in this version");
                return null;
            default:
                throw new IllegalStateException("unhandled kind " + k.kind);
        }
    }

    private static void checkReadable(ConfigKey k, Map<ConfigKey, Object> values, Map<ConfigKey, Raw> raw,
                                      List<String> problems) {
        Path p = (Path) values.get(k);
        if (p != null && !Files.isReadable(p)) {
            problems.add(k.path + " = " + p + " (from " + raw.get(k).source() + "): file does not exist or is not readable");
        }
    }
}
