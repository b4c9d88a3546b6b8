package dev.parley.bench.jmh;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.message.NewMessage;
import dev.parley.store.rocksdb.RocksDbStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A RocksDB store in a temporary directory with one conversation, for the store benchmarks. */
final class StoreState {
    final Path dir;
    final RocksDbStore store;
    final String conv;
    private long next;

    StoreState(RocksDbStore.FsyncPolicy fsync, int members) throws IOException {
        dir = Files.createTempDirectory("parley-jmh-");
        store = new RocksDbStore(dir, RocksDbStore.Options.DEFAULTS.withFsync(fsync), Clock.systemUTC());
        List<String> users = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            users.add("user" + i);
        }
        Conversation c = members == 2
                ? new Conversation(Conversation.directId("user0", "user1"), Conversation.Kind.DIRECT, "", users,
                        "user0", Instant.now(), 0)
                : new Conversation("g:bench" + members, Conversation.Kind.GROUP, "bench", users, "user0",
                        Instant.now(), 0);
        store.createConversation(c, "user0").toCompletableFuture().join();
        conv = c.id();
    }

    /** Appends {@code n} messages concurrently (one group commit when they fit in a batch) and waits for all. */
    void append(int n) throws Exception {
        CompletableFuture<?>[] all = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            long id = ++next;
            all[i] = store.appendMessage(new NewMessage(conv, "user0", "dev_bench", "c" + id,
                    "1234567890:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                    null)).toCompletableFuture();
        }
        CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
    }

    void close() {
        store.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
