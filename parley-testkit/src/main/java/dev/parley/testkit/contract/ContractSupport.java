package dev.parley.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClientException;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ServerFrame.MessageView;
import dev.parley.protocol.ServerFrame.Sent;
import dev.parley.testkit.Waits;
import dev.parley.testkit.contract.TestUsers.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * Base of every contract: the deployment under test (from the subclass), a fresh
 * {@link TestUsers} per test, and the waiting helpers. Subclasses provide {@link #deployment()},
 * usually from a static field holding a JUnit extension that starts the deployment once per class.
 *
 * <p>Contracts never sleep to let something happen; they wait for it with a bound. That something
 * does NOT happen they check with a sentinel: a later event that must come after it, such as a
 * message into the same inbox ({@link #sentinel}) or live typing through the same route. The only
 * fixed waits left are {@link #quietPeriod()} checks that a presence event does not come.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
public abstract class ContractSupport {
    /** Longest wait for something that must happen. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** How long a check that a presence event does not come waits. */
    protected static final Duration QUIET = Duration.ofMillis(300);

    /** The fixture of the current test. */
    protected TestUsers users;

    /** The deployment under test. */
    protected abstract Deployment deployment();

    @BeforeEach
    void openUsers() {
        users = new TestUsers(deployment());
    }

    @AfterEach
    void closeUsers() {
        users.close();
    }

    /** The deployment's configured limits. */
    protected Deployment.Limits limits() {
        return deployment().limits();
    }

    /** Awaitility with the contract's bound and a short poll interval. */
    protected static ConditionFactory eventually() {
        return Awaitility.await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }

    /**
     * Waits {@link #QUIET} so that a presence event that must not come has had the chance to arrive.
     * Presence has no sentinel: a change follows a connect or a close, which is not answered, and goes
     * out after asynchronous reads of the subject's privacy and contacts (and, scaled out, through the
     * presence registry), so no event a test can cause later is ordered after it. Inbox entries
     * (messages, receipts, membership changes) use a {@link #sentinel} instead.
     */
    protected static void quietPeriod() {
        Waits.sleep(QUIET);
    }

    /**
     * Waits until an inbox entry that must NOT arrive would have arrived, instead of waiting a fixed
     * time: {@code from} sends a sentinel message into {@code conv}, and this returns once every client
     * in {@code to} has received it ({@code from} itself may be one: a device gets its own messages
     * back). A device receives its inbox in cursor order, messages, receipts and membership changes
     * alike, and an entry caused by a request that was answered before the sentinel was sent sits at an
     * earlier cursor of the same inbox; so by the time the sentinel is in, such an entry would be too.
     * The sentinel may go into another conversation than the one checked, as long as it reaches the
     * same users (a removed member, for instance, gets nothing more of the group).
     *
     * @return the sentinel as the server answered its send
     */
    protected static Sent sentinel(Client from, String conv, Client... to) {
        Sent sentinel = join(from.sdk().send(conv, "sentinel"));
        for (Client c : to) {
            eventually().untilAsserted(() -> assertThat(c.events().messages(conv)).as("%s has the sentinel", c.name())
                    .extracting(MessageView::msgId).contains(sentinel.msgId()));
        }
        return sentinel;
    }

    /** The messages of {@code conv} that {@code c} received before {@code sentinel}, which it must have received. */
    protected static List<MessageView> messagesBefore(Client c, String conv, Sent sentinel) {
        List<MessageView> all = c.events().messages(conv);
        List<String> ids = all.stream().map(MessageView::msgId).toList();
        assertThat(ids).as("%s has the sentinel", c.name()).contains(sentinel.msgId());
        return all.subList(0, ids.indexOf(sentinel.msgId()));
    }

    /** The future's value; fails the test if it fails or takes longer than {@link #TIMEOUT}. */
    protected static <T> T join(CompletableFuture<T> f) {
        return TestUsers.await(f);
    }

    /** The exception the future fails with; fails the test if it succeeds. */
    protected static ParleyClientException failure(CompletableFuture<?> f) {
        try {
            Object v = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure but got " + v);
        } catch (ExecutionException e) {
            ParleyClientException p = ParleyClientException.unwrap(e);
            if (p == null) {
                throw new AssertionError("expected a ParleyClientException but got " + e.getCause(), e.getCause());
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + TIMEOUT, e);
        }
    }

    /** Asserts the future fails with {@code code} and returns the exception. */
    protected static ParleyClientException assertFails(CompletableFuture<?> f, ErrorCode code) {
        ParleyClientException e = failure(f);
        assertThat(e.code()).as("error code of %s", e.getMessage()).isEqualTo(code.name());
        return e;
    }

    /** Asserts a REST call fails with {@code code} and the HTTP status of that code. */
    protected static ParleyClientException assertRestFails(CompletableFuture<?> f, ErrorCode code) {
        ParleyClientException e = assertFails(f, code);
        assertThat(e.httpStatus()).as("HTTP status of %s", e.getMessage()).isEqualTo(code.httpStatus());
        return e;
    }

    /**
     * Lets {@code creator} add each member to groups (the default group-add setting is
     * {@code contacts}): each member adds the creator to their contacts.
     */
    protected static void acceptGroupAddsFrom(Client creator, Client... members) {
        for (Client m : members) {
            join(m.sdk().addContact(creator.name()));
        }
    }

    /** As {@link #acceptGroupAddsFrom(Client, Client...)} for users without a client: through REST, with a new device. */
    protected void acceptGroupAddsFrom(Client creator, List<String> userNames) {
        for (String name : userNames) {
            TestUsers.Device d = users.login(new TestUsers.User(name));
            join(users.rest(d).addContact(d.token(), creator.name()));
        }
    }

    /** Opens the direct conversation of two connected clients and returns its id. */
    protected static String direct(Client a, Client b) {
        return join(a.sdk().openDirect(b.name())).conv();
    }

    /** Sends the bodies in order without waiting in between (pipelined) and returns every {@code sent}, in order. */
    protected static List<Sent> sendAll(Client from, String conv, List<String> bodies) {
        List<CompletableFuture<Sent>> fs = new ArrayList<>();
        for (String b : bodies) {
            fs.add(from.sdk().send(conv, b));
        }
        List<Sent> out = new ArrayList<>();
        for (CompletableFuture<Sent> f : fs) {
            out.add(join(f));
        }
        return out;
    }

    /** {@code prefix-1 … prefix-n}. */
    protected static List<String> bodies(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            out.add(prefix + "-" + i);
        }
        return out;
    }

    /** {@code from … to}, inclusive. */
    protected static List<Long> range(long from, long to) {
        return Waits.range(from, to);
    }
}
