package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCursorStoreTest {
    @TempDir
    Path dir;

    @Test
    void missingFileLoadsAsZero() {
        assertThat(CursorStore.file(dir.resolve("nothing-here")).load()).isZero();
    }

    @Test
    void savesAndLoadsAcrossInstances() {
        Path file = dir.resolve("a/b/cursor");
        CursorStore store = CursorStore.file(file);
        store.save(17);
        store.save(4242);
        assertThat(CursorStore.file(file).load()).isEqualTo(4242);
        assertThat(file).hasContent("4242");
    }

    @Test
    void leavesNoTemporaryFilesBehind() throws Exception {
        CursorStore store = CursorStore.file(dir.resolve("cursor"));
        for (int i = 1; i <= 20; i++) {
            store.save(i);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("cursor");
        }
    }

    @Test
    void emptyFileLoadsAsZero() throws Exception {
        Path file = dir.resolve("cursor");
        Files.writeString(file, "  \n");
        assertThat(CursorStore.file(file).load()).isZero();
    }

    @Test
    void garbageIsReportedNotSilentlyReset() throws Exception {
        Path file = dir.resolve("cursor");
        Files.writeString(file, "twelve");
        assertThatThrownBy(() -> CursorStore.file(file).load())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not hold a cursor");
        Files.writeString(file, "-5");
        assertThatThrownBy(() -> CursorStore.file(file).load())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("negative");
    }

    @Test
    void rejectsNegativeCursor() {
        assertThatThrownBy(() -> CursorStore.file(dir.resolve("c")).save(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inMemoryStoresStartAtZeroAndAreIndependent() {
        CursorStore a = CursorStore.inMemory();
        CursorStore b = CursorStore.inMemory();
        a.save(9);
        assertThat(a.load()).isEqualTo(9);
        assertThat(b.load()).isZero();
    }
}
