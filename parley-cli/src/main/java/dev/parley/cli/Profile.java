package dev.parley.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A logged-in device saved on disk: {@code <home>/profile-<name>.json}, readable by its owner
 * only (mode 600), with the server URL, the user, the device id and the device's bearer token.
 */
record Profile(String server, String user, String device, String token) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    Profile {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
        return "Profile[server=" + server + ", user=" + user + ", device=" + device + ", token=***]";
    }

    /** The folder of profiles: {@code $PARLEY_HOME}, else {@code ~/.parley}. */
    static Path home() {
        String env = System.getenv("PARLEY_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".parley");
    }

    /** The file of profile {@code name}. */
    static Path file(Path home, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("profile name must be 1 to 64 of A-Z a-z 0-9 . _ -: " + name);
        }
        return home.resolve("profile-" + name + ".json");
    }

    /** Where the chat client keeps this profile's inbox cursor. */
    static Path cursorFile(Path home, String name) {
        return home.resolve("cursor-" + name);
    }

    static Optional<Profile> load(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Profile p = JSON.readValue(file.toFile(), Profile.class);
            return Optional.of(p);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the profile atomically; the file (and a new folder) are created owner-only. */
    void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            if (!Files.exists(dir)) {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
            Path tmp = posix
                    ? Files.createTempFile(dir, "profile", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile(dir, "profile", ".tmp");
            try {
                Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
                if (posix) {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write profile " + file, e);
        }
    }
}
