package dev.parley.core.account;

import static dev.parley.testkit.store.Async.assertFailsWith;
import static dev.parley.testkit.store.Async.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ErrorCode;
import dev.parley.testkit.store.MutableClock;
import dev.parley.testkit.store.memory.InMemoryAccountStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Registration, login, tokens, revocation and the privacy setting, on the in-memory account
 * store (the abuse limits are {@link AccountServiceLimitsTest}'s).
 */
class AccountServiceTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryAccountStore store = new InMemoryAccountStore();
    private final HashingPool pool = new HashingPool(1, 16);
    private final AccountService accounts = new AccountService(store, new PasswordHasher(8, 1), pool,
            new LoginThrottle(LoginThrottle.Settings.defaults(), () -> 0L), 16, clock);
    private final List<String> revoked = new ArrayList<>();

    AccountServiceTest() {
        accounts.onRevoked((user, device) -> revoked.add(user + "/" + device));
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private AccountService.Login login(String user, String deviceName) {
        return await(accounts.login(user, PASSWORD, deviceName, false, null));
    }

    @Test
    void registrationStoresAHashNeverThePassword() {
        User alice = await(accounts.register("alice", PASSWORD, null));

        assertThat(alice.id()).isEqualTo("alice");
        assertThat(alice.createdAt()).isEqualTo(T0);
        assertThat(alice.lastSeenPrivacy()).isEqualTo(LastSeenPrivacy.EVERYONE);
        User stored = await(store.findUser("alice")).orElseThrow();
        assertThat(stored).isEqualTo(alice);
        assertThat(stored.passwordHash()).startsWith("$argon2id$").doesNotContain(PASSWORD);
    }

    @Test
    void aTakenOrMalformedUsernameIsRefused() {
        await(accounts.register("alice", PASSWORD, null));
        assertFailsWith(accounts.register("alice", "another long password", null), ErrorCode.USERNAME_TAKEN);
        assertFailsWith(accounts.register("Alice", PASSWORD, null), ErrorCode.INVALID_USERNAME);
        assertFailsWith(accounts.register("al", PASSWORD, null), ErrorCode.INVALID_USERNAME);
        assertFailsWith(accounts.register("9lives", PASSWORD, null), ErrorCode.INVALID_USERNAME);
        assertFailsWith(accounts.register(null, PASSWORD, null), ErrorCode.INVALID_USERNAME);
        assertThat(await(store.findUser("Alice"))).isEmpty();
    }

    @Test
    void aLoginGivesATokenThatAuthenticatesItsDevice() {
        await(accounts.register("alice", PASSWORD, null));
        clock.advance(Duration.ofMinutes(1));

        AccountService.Login login = login("alice", "  phone  ");

        assertThat(login.user().id()).isEqualTo("alice");
        assertThat(login.device().name()).as("trimmed").isEqualTo("phone");
        assertThat(login.device().createdAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        assertThat(login.device().tokenHash()).isEqualTo(AccountService.hashToken(login.token()))
                .isNotEqualTo(login.token());
        assertThat(await(accounts.authenticate(login.token()))).isEqualTo(login.device());
        assertThat(await(accounts.devices("alice"))).containsExactly(login.device());
        // Each login is a new device with its own token.
        AccountService.Login second = login("alice", null);
        assertThat(second.device().name()).isEqualTo("device");
        assertThat(second.device().deviceId()).isNotEqualTo(login.device().deviceId());
        assertThat(await(accounts.authenticate(second.token()))).isEqualTo(second.device());
    }

    @Test
    void wrongPasswordsAndUnknownUsersAreTheSameBadCredentials() {
        await(accounts.register("alice", PASSWORD, null));
        assertFailsWith(accounts.login("alice", "not the password", "x", false, null), ErrorCode.BAD_CREDENTIALS);
        assertFailsWith(accounts.login("nobody", PASSWORD, "x", false, null), ErrorCode.BAD_CREDENTIALS);
        assertFailsWith(accounts.login("Not A Name", PASSWORD, "x", false, null), ErrorCode.BAD_CREDENTIALS);
        assertThat(await(accounts.devices("alice"))).isEmpty();
    }

    @Test
    void aDeviceNameOverSixtyFourCharactersIsRefused() {
        await(accounts.register("alice", PASSWORD, null));
        assertFailsWith(accounts.login("alice", PASSWORD, "n".repeat(65), false, null), ErrorCode.INVALID_FIELD);
        assertThat(login("alice", "n".repeat(64)).device().name()).hasSize(64);
    }

    @Test
    void missingUnknownAndOversizedTokensAreUnauthenticated() {
        assertFailsWith(accounts.authenticate(null), ErrorCode.UNAUTHENTICATED);
        assertFailsWith(accounts.authenticate(""), ErrorCode.UNAUTHENTICATED);
        assertFailsWith(accounts.authenticate("no-such-token"), ErrorCode.UNAUTHENTICATED);
        assertFailsWith(accounts.authenticate("t".repeat(513)), ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void aRevokedDevicesTokenStopsWorkingAndItsConnectionIsToldToClose() {
        await(accounts.register("alice", PASSWORD, null));
        AccountService.Login phone = login("alice", "phone");
        AccountService.Login laptop = login("alice", "laptop");

        await(accounts.revoke("alice", phone.device().deviceId()));

        assertFailsWith(accounts.authenticate(phone.token()), ErrorCode.UNAUTHENTICATED);
        assertThat(await(accounts.authenticate(laptop.token()))).isEqualTo(laptop.device());
        assertThat(revoked).containsExactly("alice/" + phone.device().deviceId());
        assertFailsWith(accounts.revoke("alice", phone.device().deviceId()), ErrorCode.DEVICE_NOT_FOUND);
        assertFailsWith(accounts.revoke("bob", laptop.device().deviceId()), ErrorCode.DEVICE_NOT_FOUND);
        assertThat(revoked).hasSize(1);
    }

    @Test
    void thePrivacySettingIsStored() {
        await(accounts.register("alice", PASSWORD, null));

        User updated = await(accounts.setPrivacy("alice", LastSeenPrivacy.CONTACTS));

        assertThat(updated.lastSeenPrivacy()).isEqualTo(LastSeenPrivacy.CONTACTS);
        assertThat(await(accounts.findUser("alice"))).contains(updated);
        assertFailsWith(accounts.setPrivacy("nobody", LastSeenPrivacy.NOBODY), ErrorCode.USER_NOT_FOUND);
    }
}
