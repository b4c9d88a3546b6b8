package dev.parley.devservices;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a log file from a given offset (the size it had when the process was started, so that a
 * restart does not see the previous run's lines) and remembers which needles it has seen.
 * Not thread-safe: one watcher per start, polled by one thread.
 */
final class LogWatcher {
    private static final int CARRY = 256;

    private final Path file;
    private long position;
    private String carry = "";
    private final List<String> seen = new ArrayList<>();

    LogWatcher(Path file, long startOffset) {
        this.file = file;
        this.position = startOffset;
    }

    /** True when any of the needles appeared in the log since the start offset. */
    boolean contains(String... needles) throws IOException {
        poll(needles);
        for (String n : needles) {
            if (seen.contains(n)) {
                return true;
            }
        }
        return false;
    }

    private void poll(String... needles) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len <= position) {
                return;
            }
            byte[] buf = new byte[(int) Math.min(len - position, 4 << 20)];
            raf.seek(position);
            raf.readFully(buf);
            position += buf.length;
            String text = carry + new String(buf, StandardCharsets.UTF_8);
            for (String n : needles) {
                if (!seen.contains(n) && text.contains(n)) {
                    seen.add(n);
                }
            }
            carry = text.length() > CARRY ? text.substring(text.length() - CARRY) : text;
        }
    }

    /** The last {@code lines} lines of a log file (reads at most its last 256 KiB), or a note that there is none. */
    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log at " + file + ")";
            }
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long len = raf.length();
                int n = (int) Math.min(len, 256 * 1024);
                byte[] buf = new byte[n];
                raf.seek(len - n);
                raf.readFully(buf);
                String[] all = new String(buf, StandardCharsets.UTF_8).split("\r?\n");
                int from = Math.max(0, all.length - lines);
                return String.join(System.lineSeparator(), java.util.Arrays.copyOfRange(all, from, all.length));
            }
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }
}
