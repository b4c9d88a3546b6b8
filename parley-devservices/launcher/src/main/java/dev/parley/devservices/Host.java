package dev.parley.devservices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** What this machine offers: executables, the Java runtime for the servers, root or not. */
final class Host {
    /** System property / environment variable naming the {@code java} executable (or a JDK folder) for the servers. */
    static final String JAVA_PROPERTY = "parley.devservices.java";
    static final String JAVA_ENV = "PARLEY_DEVSERVICES_JAVA";

    private Host() {
    }

    static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i && i == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** An executable found on PATH or in the usual system folders. */
    static Optional<Path> executable(String name) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (String d : List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin")) {
            dirs.add(Path.of(d));
        }
        for (Path d : dirs) {
            Path p = d.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static Path redisServer() {
        return executable("redis-server").orElseThrow(() -> DevServicesException.missing(
                "redis-server is not installed (looked on PATH and in /usr/bin). Install it with: "
                        + "apt-get install -y redis-server   (Debian/Ubuntu, as root; the test script does this)"));
    }

    /**
     * The {@code java} executable that runs a server. Cassandra 5.0 supports Java 11 and 17 only,
     * Kafka 4.4 needs 17 or newer: the JVM running this code is used when it fits, otherwise a
     * Java 17 from /usr/lib/jvm. {@value #JAVA_PROPERTY} or {@value #JAVA_ENV} override.
     */
    static String javaFor(Service service) {
        String override = System.getProperty(JAVA_PROPERTY, System.getenv(JAVA_ENV));
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            return Files.isDirectory(p) ? p.resolve("bin").resolve("java").toString() : p.toString();
        }
        int feature = Runtime.version().feature();
        boolean fits = service == Service.CASSANDRA ? (feature == 17 || feature == 11) : feature >= 17;
        Path current = Path.of(System.getProperty("java.home"), "bin", "java");
        if (fits && Files.isExecutable(current)) {
            return current.toString();
        }
        Optional<Path> jdk17 = findJdk17();
        if (jdk17.isPresent()) {
            return jdk17.get().toString();
        }
        if (service == Service.CASSANDRA) {
            throw DevServicesException.missing("Cassandra 5.0 needs Java 17 (or 11); this JVM is Java " + feature
                    + " and no Java 17 was found in /usr/lib/jvm. Install openjdk-17-jdk-headless or set -D"
                    + JAVA_PROPERTY + "=/path/to/java17/bin/java");
        }
        return current.toString();
    }

    private static Optional<Path> findJdk17() {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(d -> d.getFileName().toString().toLowerCase(Locale.ROOT).contains("17"))
                    .sorted(Comparator.comparing(Path::toString))
                    .map(d -> d.resolve("bin").resolve("java"))
                    .filter(Files::isExecutable)
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
