package dev.parley.client;

/** {@link CursorStore#inMemory()}. */
final class MemoryCursorStore implements CursorStore {
    private volatile long cursor;

    MemoryCursorStore(long cursor) {
        this.cursor = cursor;
    }

    @Override
    public long load() {
        return cursor;
    }

    @Override
    public void save(long cursor) {
        this.cursor = cursor;
    }
}
