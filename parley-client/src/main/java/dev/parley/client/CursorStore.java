package dev.parley.client;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a {@link ParleyClient} keeps its inbox cursor: the cursor of the last inbox event it
 * handed to the application. On start the client syncs from {@link #load()}; after the listener
 * has returned from an inbox event the client {@link #save(long) saves} that event's cursor
 * (possibly batched: after a run of events, at least when its queue runs empty), and only then
 * acknowledges it to the server.
 *
 * <p>Threading: {@link #load()} is called once, from {@link ParleyClient#connect()}'s caller
 * thread or the SDK thread; {@link #save(long)} only from the SDK's listener thread, never
 * concurrently. Failures: an exception from {@code save} is logged and the client goes on (the
 * next save retries); an exception from {@code load} fails {@code connect()}.
 */
public interface CursorStore {

    /** The saved cursor, or 0 when none was ever saved (a fresh install). */
    long load();

    /** Durably records that every inbox event up to {@code cursor} was handled. */
    void save(long cursor);

    /** A store that lives as long as the process; each call returns a new store starting at 0. */
    static CursorStore inMemory() {
        return new MemoryCursorStore(0);
    }

    /**
     * A store kept in {@code file} (created with its parent folders on first save). Each save
     * writes a temporary file in the same folder, forces it to disk and moves it over the
     * target with {@code ATOMIC_MOVE}, so a crash leaves either the old or the new cursor.
     * A missing file loads as 0; an unreadable one makes {@link #load()} throw
     * {@link IllegalStateException}.
     */
    static CursorStore file(Path file) {
        return new FileCursorStore(Objects.requireNonNull(file, "file"));
    }
}
