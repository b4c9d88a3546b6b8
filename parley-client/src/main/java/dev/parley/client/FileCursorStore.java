package dev.parley.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@link CursorStore#file(Path)}: the cursor as decimal text. Writes go to a temporary sibling
 * that is forced to disk and then atomically moved over the target, so a reader never sees a
 * torn value.
 */
final class FileCursorStore implements CursorStore {
    private final Path file;

    FileCursorStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    @Override
    public long load() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cursor file " + file, e);
        }
        if (text.isEmpty()) {
            return 0;
        }
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new IllegalStateException("cursor file " + file + " holds a negative cursor: " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("cursor file " + file + " does not hold a cursor", e);
        }
    }

    @Override
    public void save(long cursor) {
        if (cursor < 0) {
            throw new IllegalArgumentException("cursor must not be negative: " + cursor);
        }
        Path dir = file.getParent();
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.write(ByteBuffer.wrap((cursor + "\n").getBytes(StandardCharsets.UTF_8)));
                    ch.force(true);
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
            throw new UncheckedIOException("cannot write cursor file " + file, e);
        }
    }

    @Override
    public String toString() {
        return "FileCursorStore[" + file + "]";
    }
}
