package dev.parley.testkit.store;

import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.conversation.Conversation;
import dev.parley.core.conversation.ConversationStore;
import dev.parley.core.conversation.ConversationWrite;
import dev.parley.core.message.AppendResult;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.MessageStore;
import dev.parley.core.message.NewMessage;
import dev.parley.core.message.StoredMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the message and conversation store contracts share: fresh stores before each test, closed
 * after it, and the helpers both use. Extend one of the contracts, not this class.
 *
 * <p>{@link #createStores} is called before each test and must return the ports over empty state
 * that take their time from the given clock; each distinct port object is closed after the test
 * if it is {@link AutoCloseable}.
 */
public abstract class MessagingStoresFixture {
    protected static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    protected final MutableClock clock = new MutableClock(T0);
    protected ConversationStore conversations;
    protected MessageStore messages;

    /** The stores under test over empty state, timestamping with {@code clock}. */
    protected abstract MessagingStores createStores(Clock clock) throws Exception;

    @BeforeEach
    void openStores() throws Exception {
        MessagingStores stores = createStores(clock);
        conversations = stores.conversations();
        messages = stores.messages();
    }

    @AfterEach
    void closeStores() throws Exception {
        if (messages instanceof AutoCloseable c) {
            c.close();
        }
        if (conversations != (Object) messages && conversations instanceof AutoCloseable c) {
            c.close();
        }
    }

    protected Conversation group(String id, String... members) {
        return new Conversation(id, Conversation.Kind.GROUP, "group " + id, List.of(members), members[0],
                clock.instant(), 1);
    }

    /** Creates the group (its first member is the creator and the actor) and checks it applied. */
    protected Conversation create(String id, String... members) {
        ConversationWrite w = await(conversations.createConversation(group(id, members), members[0]));
        assertThat(w.applied()).isTrue();
        return w.conversation();
    }

    protected static NewMessage message(String conv, String sender, String clientMsgId) {
        return new NewMessage(conv, sender, sender + "-phone", clientMsgId, "body of " + clientMsgId, "text/plain");
    }

    protected AppendResult send(String conv, String sender, String clientMsgId) {
        return await(messages.appendMessage(message(conv, sender, clientMsgId)));
    }

    protected List<InboxEntry> inbox(String user) {
        return await(messages.readInbox(user, 0, 100_000));
    }

    protected static List<Long> seqs(List<StoredMessage> stored) {
        return stored.stream().map(StoredMessage::seq).toList();
    }

    protected static List<Long> range(long fromInclusive, long toInclusive) {
        return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
    }
}
