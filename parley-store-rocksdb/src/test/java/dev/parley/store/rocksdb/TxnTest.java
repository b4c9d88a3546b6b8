package dev.parley.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ReadOptions;
import org.rocksdb.WriteBatch;

/** The group overlay: a failed request leaves exactly what the requests before it wrote. */
class TxnTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private Storage storage;
    private ReadOptions readOptions;
    private CommittedHeads committed;

    @BeforeEach
    void open() {
        storage = new Storage(dir, RocksDbStore.Options.DEFAULTS);
        readOptions = new ReadOptions();
        committed = new CommittedHeads(storage, readOptions);
    }

    @AfterEach
    void close() {
        readOptions.close();
        storage.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Conversation conversation(String id, long version, String... members) {
        return new Conversation(id, Conversation.Kind.GROUP, "name v" + version, List.of(members), members[0], T0,
                version);
    }

    @Test
    void anAbortedRequestIsRolledBackToWhatTheGroupHadWritten() throws Exception {
        Txn txn = new Txn(storage, committed, readOptions);
        txn.beginRequest();
        txn.put(Cf.META, b("k1"), b("first"));
        txn.putConversation(conversation("g:1", 1, "a", "b"));
        txn.setConvHead("g:1", new Txn.ConvHead(1, T0));
        assertThat(txn.nextInboxCursor("a")).isEqualTo(1);
        txn.commitRequest();

        txn.beginRequest();
        txn.put(Cf.META, b("k1"), b("second"));
        txn.put(Cf.META, b("k2"), b("new"));
        txn.delete(Cf.META, b("k1"));
        txn.putConversation(conversation("g:1", 2, "a", "b", "c"));
        txn.setConvHead("g:1", new Txn.ConvHead(2, T0));
        assertThat(txn.nextInboxCursor("a")).isEqualTo(2);
        assertThat(txn.nextInboxCursor("b")).isEqualTo(1);
        txn.deleteRange(Cf.INBOX, b("a"), b("z"));
        // The request sees its own writes.
        assertThat(txn.get(Cf.META, b("k1"))).isNull();
        assertThat(txn.conversation("g:1").version()).isEqualTo(2);
        txn.abortRequest();

        assertThat(txn.get(Cf.META, b("k1"))).isEqualTo(b("first"));
        assertThat(txn.get(Cf.META, b("k2"))).isNull();
        assertThat(txn.conversation("g:1").members()).containsExactly("a", "b");
        assertThat(txn.convHead("g:1").lastSeq()).isEqualTo(1);
        txn.beginRequest();
        assertThat(txn.nextInboxCursor("a")).isEqualTo(2);
        assertThat(txn.nextInboxCursor("b")).isEqualTo(1);
        txn.commitRequest();

        try (WriteBatch batch = new WriteBatch()) {
            txn.fill(batch);
            storage.db.write(storage.writeOptions, batch);
        }
        txn.publish();
        assertThat(storage.db.get(storage.handle(Cf.META), b("k1"))).isEqualTo(b("first"));
        assertThat(storage.db.get(storage.handle(Cf.META), b("k2"))).isNull();
        assertThat(committed.conversation("g:1").version()).isEqualTo(1);
        assertThat(committed.inboxHead("a")).isEqualTo(2);
        assertThat(committed.convHead("g:1").lastSeq()).isEqualTo(1);
    }

    @Test
    void committedConversationsAreReadFromDiskOnceAndReplacedOnPublish() throws Exception {
        Txn first = new Txn(storage, committed, readOptions);
        first.beginRequest();
        first.putConversation(conversation("g:2", 1, "a", "b"));
        first.commitRequest();
        assertThat(committed.conversation("g:2")).isNull(); // not published yet
        try (WriteBatch batch = new WriteBatch()) {
            first.fill(batch);
            storage.db.write(storage.writeOptions, batch);
        }
        first.publish();

        Txn second = new Txn(storage, committed, readOptions);
        assertThat(second.conversation("g:2")).isSameAs(second.conversation("g:2"));
        assertThat(second.conversation("g:2")).isEqualTo(Codec.conversation(
                storage.db.get(storage.handle(Cf.CONVERSATIONS), Keys.conversation("g:2"))));
        committed.clear();
        assertThat(second.conversation("g:2").version()).isEqualTo(1);
    }

    @Test
    void rememberedValuesFollowPublishedWritesAndReloadAfterClear() throws Exception {
        byte[] cursor = Keys.deviceCursor("alice", "phone");
        byte[] mark = Keys.watermark("g:1", "bob");
        Txn first = new Txn(storage, committed, readOptions);
        first.beginRequest();
        assertThat(first.get(Cf.CURSORS, cursor)).isNull();
        first.put(Cf.CURSORS, cursor, Codec.u64(7));
        first.put(Cf.WATERMARKS, mark, b("sixteen bytes..."));
        first.commitRequest();
        try (WriteBatch batch = new WriteBatch()) {
            first.fill(batch);
            storage.db.write(storage.writeOptions, batch);
        }
        first.publish();

        Txn second = new Txn(storage, committed, readOptions);
        assertThat(Codec.u64(second.get(Cf.CURSORS, cursor))).isEqualTo(7);
        assertThat(second.get(Cf.WATERMARKS, mark)).isEqualTo(b("sixteen bytes..."));
        // Written behind the committer's back: not seen until the committed state is reloaded.
        storage.db.put(storage.handle(Cf.CURSORS), cursor, Codec.u64(9));
        assertThat(Codec.u64(second.get(Cf.CURSORS, cursor))).isEqualTo(7);
        committed.clear();
        assertThat(Codec.u64(second.get(Cf.CURSORS, cursor))).isEqualTo(9);

        second.beginRequest();
        second.delete(Cf.CURSORS, cursor);
        second.commitRequest();
        try (WriteBatch batch = new WriteBatch()) {
            second.fill(batch);
            storage.db.write(storage.writeOptions, batch);
        }
        second.publish();
        assertThat(new Txn(storage, committed, readOptions).get(Cf.CURSORS, cursor)).isNull();
    }

    @Test
    void anAbortedRequestLeavesRememberedValuesAlone() {
        byte[] cursor = Keys.deviceCursor("alice", "phone");
        Txn txn = new Txn(storage, committed, readOptions);
        txn.beginRequest();
        txn.put(Cf.CURSORS, cursor, Codec.u64(3));
        txn.abortRequest();
        txn.publish();
        assertThat(new Txn(storage, committed, readOptions).get(Cf.CURSORS, cursor)).isNull();
    }
}
