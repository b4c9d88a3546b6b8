package dev.parley.core.account;

import dev.parley.core.Ids;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Registration, login of devices, bearer-token authentication and device management.
 *
 * <p>Tokens are 256 random bits, shown once at login and stored only as their SHA-256 hash, so a
 * stolen database holds no usable token. Password hashing runs on {@code hashingExecutor}, never
 * on the caller's thread.
 */
public final class AccountService {
    /** Lowercase letter first, then 2 to 31 of lowercase letters, digits, '_', '.', '-'. */
    public static final Pattern USERNAME = Pattern.compile("[a-z][a-z0-9_.-]{2,31}");
    public static final int MIN_PASSWORD = 8;
    public static final int MAX_PASSWORD = 256;

    /** The result of a login: the token is the only copy the server will ever hand out. */
    public record Login(User user, Device device, String token) {
    }

    private final AccountStore store;
    private final PasswordHasher hasher;
    private final Executor hashingExecutor;
    private final Clock clock;
    private volatile BiConsumer<String, String> onRevoked = (user, device) -> { };

    public AccountService(AccountStore store, PasswordHasher hasher, Executor hashingExecutor, Clock clock) {
        this.store = store;
        this.hasher = hasher;
        this.hashingExecutor = hashingExecutor;
        this.clock = clock;
    }

    /** Called with (userId, deviceId) after a device was revoked, to close its connection. */
    public void onRevoked(BiConsumer<String, String> callback) {
        this.onRevoked = callback;
    }

    /** Registers a user; fails with INVALID_USERNAME, INVALID_PASSWORD or USERNAME_TAKEN. */
    public CompletionStage<User> register(String username, String password) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_USERNAME,
                    "username must be 3 to 32 characters: a lowercase letter, then lowercase letters, digits, '_', '.' or '-'"));
        }
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_PASSWORD,
                    "password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters"));
        }
        return CompletableFuture.supplyAsync(() -> hasher.hash(password), hashingExecutor)
                .thenCompose(hash -> {
                    User user = new User(username, hash, LastSeenPrivacy.EVERYONE, clock.instant());
                    return store.createUser(user).thenApply(created -> {
                        if (!created) {
                            throw new ParleyException(ErrorCode.USERNAME_TAKEN, "username \"" + username + "\" is taken");
                        }
                        return user;
                    });
                });
    }

    /** Logs a new device in; fails with BAD_CREDENTIALS for an unknown user or a wrong password. */
    public CompletionStage<Login> login(String username, String password, String deviceName) {
        if (username == null || password == null) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.BAD_CREDENTIALS, "wrong username or password"));
        }
        String name = deviceName == null || deviceName.isBlank() ? "device" : deviceName.strip();
        if (name.length() > 64) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.INVALID_FIELD,
                    "deviceName must be at most 64 characters"));
        }
        return store.findUser(username).thenComposeAsync(found -> {
            // Verify even for unknown users so the response time does not reveal which names exist.
            String hash = found.map(User::passwordHash).orElse(DUMMY_HASH.get(hasher));
            boolean ok = hasher.verify(password, hash) && found.isPresent();
            if (!ok) {
                throw new ParleyException(ErrorCode.BAD_CREDENTIALS, "wrong username or password");
            }
            String token = Ids.random(32);
            Device device = new Device(username, "dev_" + Ids.random(9), name, hashToken(token), clock.instant(), null, null);
            return store.putDevice(device).thenApply(v -> new Login(found.get(), device, token));
        }, hashingExecutor);
    }

    /** Resolves a bearer token to its device; fails with UNAUTHENTICATED. */
    public CompletionStage<Device> authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 512) {
            return CompletableFuture.failedFuture(unauthenticated());
        }
        return store.findDeviceByTokenHash(hashToken(token))
                .thenApply(d -> d.orElseThrow(AccountService::unauthenticated));
    }

    public CompletionStage<List<Device>> devices(String userId) {
        return store.devicesOf(userId);
    }

    /** Revokes one of the user's devices: its token stops working and its connection is closed. */
    public CompletionStage<Void> revoke(String userId, String deviceId) {
        return store.deleteDevice(userId, deviceId).thenAccept(deleted -> {
            if (!deleted) {
                throw new ParleyException(ErrorCode.DEVICE_NOT_FOUND, "no such device");
            }
            onRevoked.accept(userId, deviceId);
        });
    }

    public CompletionStage<java.util.Optional<User>> findUser(String userId) {
        return store.findUser(userId);
    }

    public CompletionStage<User> setPrivacy(String userId, LastSeenPrivacy privacy) {
        return store.findUser(userId).thenCompose(u -> {
            User updated = u.orElseThrow(() -> new ParleyException(ErrorCode.USER_NOT_FOUND, "no such user"))
                    .withPrivacy(privacy);
            return store.updateUser(updated).thenApply(v -> updated);
        });
    }

    /** SHA-256 of the token, lowercase hex. */
    public static String hashToken(String token) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the JDK", e);
        }
    }

    private static ParleyException unauthenticated() {
        return new ParleyException(ErrorCode.UNAUTHENTICATED, "missing, unknown or revoked token");
    }

    /** A hash to verify against for unknown users, computed once per hasher. */
    private static final class DUMMY_HASH {
        private static volatile String value;

        static String get(PasswordHasher hasher) {
            String v = value;
            if (v == null) {
                v = hasher.hash(Ids.random(12));
                value = v;
            }
            return v;
        }
    }
}
