package dev.parley.core;

import dev.parley.core.delivery.RoutedInboxPublisher;
import dev.parley.core.delivery.RoutedTypingRelay;
import dev.parley.core.delivery.Views;
import dev.parley.core.message.InboxPublisher;

import static dev.parley.testkit.store.Async.await;

import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.core.contact.ContactService;
import dev.parley.core.contact.GroupAddPolicy;
import dev.parley.core.conversation.ConversationService;
import dev.parley.core.message.MessagingService;
import dev.parley.core.presence.InMemoryPresenceRegistry;
import dev.parley.core.push.PushSender;
import dev.parley.core.push.PushService;
import dev.parley.core.push.PushSettings;
import dev.parley.testkit.store.MutableClock;
import dev.parley.testkit.store.memory.InMemoryAccountStore;
import dev.parley.testkit.store.memory.InMemoryContactStore;
import dev.parley.testkit.store.memory.InMemoryMessageStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The core's services wired, by hand, over the testkit's in-memory stores, a recording router
 * and a clock the test moves: what the services' unit tests share. Building the services is kept
 * here, in one place, so that a change of a service's constructor is adapted once.
 *
 * <p>These tests live in parley-testkit, not parley-core: the fakes are in the testkit, which
 * depends on the core, and Maven refuses the cycle a core test dependency on the testkit would make.
 */
public final class ServiceFixture implements AutoCloseable {
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    public final MutableClock clock = new MutableClock(T0);
    /** Monotonic time as the services read it: the clock's, so that advancing it advances both. */
    public final java.util.function.LongSupplier ticker = () -> java.time.Duration.between(T0, clock.instant()).toNanos();
    public final InMemoryAccountStore accountStore = new InMemoryAccountStore();
    public final InMemoryContactStore contactStore = new InMemoryContactStore();
    public final InMemoryMessageStore store = new InMemoryMessageStore(clock);
    public final RecordingRouter router = new RecordingRouter();
    public final InMemoryPresenceRegistry presence = new InMemoryPresenceRegistry(clock);
    public final ContactService contacts;
    public final ConversationService conversations;
    public final MessagingService messaging;
    private final ScheduledExecutorService pushTimers = Executors.newSingleThreadScheduledExecutor();

    /** Services with the given limits; push has no provider, so it never sends. */
    public ServiceFixture(int maxBodyBytes, int maxGroupMembers, int membershipChangesPerMinute, int maxContacts) {
        this(maxBodyBytes, maxGroupMembers, membershipChangesPerMinute, maxContacts, List.of(),
                PushSettings.defaults());
    }

    /** Services with the given limits, waking offline devices through {@code pushSenders}. */
    public ServiceFixture(int maxBodyBytes, int maxGroupMembers, int membershipChangesPerMinute, int maxContacts,
                          List<PushSender> pushSenders, PushSettings pushSettings) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        contacts = new ContactService(contactStore, accountStore, maxContacts);
        InboxPublisher inbox = new RoutedInboxPublisher(router, store::announcesEntries);
        conversations = new ConversationService(store, accountStore, contacts, inbox, clock, ticker,
                maxGroupMembers, membershipChangesPerMinute);
        PushService push = new PushService(pushSenders, pushSettings, accountStore, presence, pushTimers, meters);
        messaging = new MessagingService(store, conversations, inbox, new RoutedTypingRelay(router), push,
                Views::encodedSize, maxBodyBytes, ticker, meters);
    }

    /** Services with the documented default limits. */
    public ServiceFixture() {
        this(65_536, 1_024, 20, 5_000);
    }

    /** Stores users directly (no password hashing: these tests are not about logging in). */
    public void users(String... ids) {
        for (String id : ids) {
            await(accountStore.createUser(new User(id, "$argon2id$unused", LastSeenPrivacy.EVERYONE, T0)));
        }
    }

    /** Lets anyone add the users to groups, so that tests about something else need no contacts. */
    public void openToGroups(String... ids) {
        for (String id : ids) {
            await(contactStore.setGroupAddPolicy(id, GroupAddPolicy.EVERYONE));
        }
    }

    @Override
    public void close() {
        pushTimers.shutdownNow();
        presence.close();
    }
}
