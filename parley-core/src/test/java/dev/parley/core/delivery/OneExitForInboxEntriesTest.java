package dev.parley.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.core.account.AccountStore;
import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.contact.ContactService;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.message.InboxEntry;
import dev.parley.core.message.InboxEvent;
import dev.parley.core.message.ReceiptKind;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Messages, read receipts, delivered receipts and membership changes: every inbox entry a service
 * writes leaves through the one {@code InboxPublisher}, and nothing else announces it.
 */
class OneExitForInboxEntriesTest {
    private final SessionHarness h = new SessionHarness();

    private static InboxEntry receipt(String user, ReceiptKind kind) {
        return new InboxEntry(user, 9, FakeInboxStore.T0, new InboxEvent.ReceiptAdvanced("d1", "bob", kind, 1));
    }

    @Test
    void aReadReceiptIsPublished() {
        InboxEntry toAlice = receipt("alice", ReceiptKind.READ);
        InboxEntry toBob = receipt("bob", ReceiptKind.READ);
        h.store.receiptsToWrite = Map.of("alice", toAlice, "bob", toBob);

        h.messaging.markRead("bob", "d1", 1).toCompletableFuture().join();

        assertThat(h.published).containsExactlyInAnyOrder(toAlice, toBob);
    }

    @Test
    void theDeliveredReceiptsOfAnAcknowledgementArePublished() {
        InboxEntry toAlice = receipt("alice", ReceiptKind.DELIVERED);
        h.store.ackReceiptsToWrite = List.of(toAlice);

        h.messaging.acknowledged("bob", "b1", Map.of("d1", 1L), 1).toCompletableFuture().join();

        assertThat(h.published).containsExactly(toAlice);
    }

    @Test
    void theMembershipEntriesOfANewConversationArePublished() {
        ConversationService conversations = new ConversationService(h.store, new Users(), new ContactService(null,
                null, 10), h.published::addAll, Clock.fixed(FakeInboxStore.T0, ZoneOffset.UTC), h.nanos::get, 16, 20);

        conversations.openDirect("bob", "alice").toCompletableFuture().join();

        assertThat(h.published).extracting(InboxEntry::userId).containsExactlyInAnyOrder("alice", "bob");
        assertThat(h.published).allMatch(e -> e.event() instanceof InboxEvent.MembershipChanged m
                && m.change().equals("created"));
    }

    /** Every user exists; nothing else is asked of accounts here. */
    private static final class Users implements AccountStore {
        @Override public CompletionStage<Optional<User>> findUser(String userId) {
            return CompletableFuture.completedFuture(Optional.of(new User(userId, "", LastSeenPrivacy.EVERYONE,
                    FakeInboxStore.T0)));
        }

        @Override public CompletionStage<Boolean> createUser(User user) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Void> updateUser(User user) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Void> putDevice(Device device) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Boolean> addDevice(Device device, int maxDevices) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<List<Device>> devicesOf(String userId) {
            throw new UnsupportedOperationException();
        }

        @Override public CompletionStage<Boolean> deleteDevice(String userId, String deviceId) {
            throw new UnsupportedOperationException();
        }
    }
}
