package dev.parley.core.account;

import dev.parley.core.Ids;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Registration, login of devices, bearer-token authentication and device management.
 *
 * <p>Tokens are 256 random bits, shown once at login and stored only as their SHA-256 hash, so a
 * stolen database holds no usable token. Password hashing runs on a bounded {@link HashingPool},
 * never on the caller's thread; a full pool refuses with {@code SERVER_BUSY}. Registration and
 * login pass the {@link LoginThrottle} (per client address and per account) before any hashing,
 * new passwords the {@link PasswordPolicy}, and a login that would give a user more than
 * {@code maxDevicesPerUser} devices fails with {@code DEVICE_LIMIT_REACHED} unless the caller
 * asks to replace the oldest device.
 */
public final class AccountService {
    /** Lowercase letter first, then 2 to 31 of lowercase letters, digits, '_', '.', '-'. */
    public static final Pattern USERNAME = Pattern.compile("[a-z][a-z0-9_.-]{2,31}");
    /** Fewest characters of a new password (see {@link PasswordPolicy}). */
    public static final int MIN_PASSWORD = PasswordPolicy.MIN_LENGTH;
    /** Most characters of a new password (see {@link PasswordPolicy}). */
    public static final int MAX_PASSWORD = PasswordPolicy.MAX_LENGTH;
    /**
     * Longest password a login checks; longer ones fail at once. Above {@link #MAX_PASSWORD}
     * because accounts registered under the earlier limit of 256 must still log in.
     */
    static final int MAX_LOGIN_PASSWORD = 256;
    /** Default of {@code limits.maxDevicesPerUser}. */
    public static final int DEFAULT_MAX_DEVICES_PER_USER = 16;

    /** The result of a login: the token is the only copy the server will ever hand out. */
    public record Login(User user, Device device, String token) {
    }

    private final AccountStore store;
    private final PasswordHasher hasher;
    private final HashingPool hashing;
    private final LoginThrottle throttle;
    private final PasswordPolicy policy = PasswordPolicy.standard();
    private final int maxDevicesPerUser;
    private final Clock clock;
    private volatile BiConsumer<String, String> onRevoked = (user, device) -> { };

    /**
     * @param store             users and devices
     * @param hasher            Argon2id with the configured cost
     * @param hashing           the bounded pool that runs {@code hasher}
     * @param throttle          brute-force limits of registration and login
     * @param maxDevicesPerUser most devices one user may have logged in
     * @param clock             creation times of users and devices
     */
    public AccountService(AccountStore store, PasswordHasher hasher, HashingPool hashing, LoginThrottle throttle,
                          int maxDevicesPerUser, Clock clock) {
        this.store = store;
        this.hasher = hasher;
        this.hashing = hashing;
        this.throttle = throttle;
        if (maxDevicesPerUser < 1) {
            throw new IllegalArgumentException("maxDevicesPerUser must be positive, was " + maxDevicesPerUser);
        }
        this.maxDevicesPerUser = maxDevicesPerUser;
        this.clock = clock;
    }

    /** Called with (userId, deviceId) after a device was revoked, to close its connection. */
    public void onRevoked(BiConsumer<String, String> callback) {
        this.onRevoked = callback;
    }

    /**
     * Registers a user; fails with RATE_LIMITED (too many attempts from {@code clientAddress}),
     * INVALID_USERNAME, INVALID_PASSWORD, WEAK_PASSWORD, SERVER_BUSY or USERNAME_TAKEN.
     *
     * @param clientAddress the caller's address as {@link LoginThrottle#addressKey} gives it; null when unknown
     */
    public CompletionStage<User> register(String username, String password, String clientAddress) {
        try {
            throttle.checkAddress(clientAddress);
            if (username == null || !USERNAME.matcher(username).matches()) {
                throw new ParleyException(ErrorCode.INVALID_USERNAME,
                        "username must be 3 to 32 characters: a lowercase letter, then lowercase letters, digits, '_', '.' or '-'");
            }
            policy.check(username, password);
        } catch (ParleyException e) {
            return CompletableFuture.failedFuture(e);
        }
        return hashing.submit(() -> hasher.hash(password))
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

    /**
     * Logs a new device in. Fails with RATE_LIMITED (too many attempts from the address, or the
     * account backs off after failed logins), BAD_CREDENTIALS for an unknown user or a wrong
     * password, SERVER_BUSY, or DEVICE_LIMIT_REACHED when the user has {@code maxDevicesPerUser}
     * devices and {@code replaceOldest} is false. With {@code replaceOldest}, the user's oldest
     * device is revoked to make room (a user who lost every device's token can still log in).
     *
     * @param clientAddress the caller's address as {@link LoginThrottle#addressKey} gives it; null when unknown
     */
    public CompletionStage<Login> login(String username, String password, String deviceName, boolean replaceOldest,
                                        String clientAddress) {
        String name = deviceName == null || deviceName.isBlank() ? "device" : deviceName.strip();
        try {
            if (name.length() > 64) {
                throw new ParleyException(ErrorCode.INVALID_FIELD, "deviceName must be at most 64 characters");
            }
            throttle.checkAddress(clientAddress);
            // Names that cannot exist fail before the account throttle, which then only ever holds short keys.
            if (username == null || password == null || !USERNAME.matcher(username).matches()
                    || password.length() > MAX_LOGIN_PASSWORD) {
                throw new ParleyException(ErrorCode.BAD_CREDENTIALS, "wrong username or password");
            }
            throttle.checkAccount(username);
        } catch (ParleyException e) {
            return CompletableFuture.failedFuture(e);
        }
        return store.findUser(username).thenCompose(found -> hashing.submit(() -> {
            // Verify even for unknown users so the response time does not reveal which names exist.
            String hash = found.map(User::passwordHash).orElse(DUMMY_HASH.get(hasher));
            boolean ok = hasher.verify(password, hash) && found.isPresent();
            if (!ok) {
                throttle.loginFailed(username);
                throw new ParleyException(ErrorCode.BAD_CREDENTIALS, "wrong username or password");
            }
            throttle.loginSucceeded(username);
            return found.get();
        })).thenCompose(user -> {
            String token = Ids.random(32);
            Device device = new Device(username, "dev_" + Ids.random(9), name, hashToken(token), clock.instant(), null, null);
            return addDevice(device, replaceOldest).thenApply(v -> new Login(user, device, token));
        });
    }

    private CompletionStage<Void> addDevice(Device device, boolean replaceOldest) {
        return store.addDevice(device, maxDevicesPerUser).thenCompose(added -> {
            if (added) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (!replaceOldest) {
                throw new ParleyException(ErrorCode.DEVICE_LIMIT_REACHED, "this account already has "
                        + maxDevicesPerUser + " devices, the most it may have: log one out (DELETE /v1/devices/{deviceId}"
                        + " with its token) or log in with \"replaceOldest\": true to log out the oldest");
            }
            return store.devicesOf(device.userId()).thenCompose(devices -> {
                Device oldest = devices.stream()
                        .min(Comparator.comparing(Device::createdAt).thenComparing(Device::deviceId)).orElse(null);
                CompletionStage<Void> freed = oldest == null ? CompletableFuture.completedFuture(null)
                        : revoke(device.userId(), oldest.deviceId()).exceptionally(e -> {
                            // Revoked meanwhile by someone else: the slot is free all the same.
                            if (ParleyException.from(e).code() != ErrorCode.DEVICE_NOT_FOUND) {
                                throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                            }
                            return null;
                        });
                return freed.thenCompose(v -> store.addDevice(device, maxDevicesPerUser)).thenAccept(again -> {
                    if (!again) {
                        throw new ParleyException(ErrorCode.DEVICE_LIMIT_REACHED, "this account's devices changed "
                                + "while logging in; try again");
                    }
                });
            });
        });
    }

    /** The most devices one user may have. */
    public int maxDevicesPerUser() {
        return maxDevicesPerUser;
    }

    /** The registration and login limits (for metrics). */
    public LoginThrottle throttle() {
        return throttle;
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
        return HexFormat.of().formatHex(SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** One digest per thread: looking the provider up per connect showed in its profile. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the JDK", e);
        }
    });

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
