package dev.parley.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.parley.core.account.Device;
import dev.parley.core.account.LastSeenPrivacy;
import dev.parley.core.account.User;
import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Users, devices and their token index: rare writes, kept consistent with lightweight
 * transactions. Deleting a device also deletes its inbox cursor, with a plain delete at the
 * current time: device ids are random and never reused, and a cursor saved late for the deleted
 * device (written with the tiny timestamp {@code cursor}) stays hidden under that deletion.
 */
final class Accounts {
    private static final int CAS_ATTEMPTS = 8;

    private final Env env;

    Accounts(Env env) {
        this.env = env;
    }

    // ---- users

    CompletableFuture<Boolean> createUser(User user) {
        return createUser(user, CAS_ATTEMPTS);
    }

    private CompletableFuture<Boolean> createUser(User u, int attempts) {
        return env.cql.cas(env.bind(env.st.userInsertIfNotExists, u.id(), u.passwordHash(), u.lastSeenPrivacy().name(),
                u.createdAt().toString())).thenCompose(r -> switch (r.outcome()) {
                    case APPLIED -> CompletableFuture.completedFuture(true);
                    case NOT_APPLIED -> CompletableFuture.completedFuture(false);
                    // Did our insert land? The SERIAL read settles any Paxos round still in flight.
                    case AMBIGUOUS -> env.cql.one(env.serial(env.st.userSelect, u.id())).thenCompose(row -> {
                        if (row != null) {
                            return CompletableFuture.completedFuture(user(row).equals(u));
                        }
                        return retry(attempts, r.cause(), () -> createUser(u, attempts - 1));
                    });
                });
    }

    CompletableFuture<Optional<User>> findUser(String userId) {
        return env.cql.one(env.bind(env.st.userSelect, userId)).thenApply(row -> Optional.ofNullable(user(row)));
    }

    CompletableFuture<Void> updateUser(User user) {
        return updateUser(user, CAS_ATTEMPTS);
    }

    private CompletableFuture<Void> updateUser(User u, int attempts) {
        return env.cql.cas(env.bind(env.st.userUpdateIfExists, u.passwordHash(), u.lastSeenPrivacy().name(),
                u.createdAt().toString(), u.id())).thenCompose(r -> switch (r.outcome()) {
                    case APPLIED -> CompletableFuture.<Void>completedFuture(null);
                    case NOT_APPLIED -> CompletableFuture.<Void>failedFuture(userNotFound());
                    case AMBIGUOUS -> env.cql.one(env.serial(env.st.userSelect, u.id())).thenCompose(row -> {
                        if (row == null) {
                            return CompletableFuture.<Void>failedFuture(userNotFound());
                        }
                        if (user(row).equals(u)) {
                            return CompletableFuture.<Void>completedFuture(null);
                        }
                        return retry(attempts, r.cause(), () -> updateUser(u, attempts - 1));
                    });
                });
    }

    private static User user(Row row) {
        if (row == null) {
            return null;
        }
        return new User(row.getString("user_id"), row.getString("password_hash"),
                LastSeenPrivacy.valueOf(row.getString("last_seen_privacy")), Instant.parse(row.getString("created_at")));
    }

    private static ParleyException userNotFound() {
        return new ParleyException(ErrorCode.USER_NOT_FOUND, "user not found");
    }

    // ---- devices

    CompletableFuture<Void> putDevice(Device d) {
        return env.cql.one(env.bind(env.st.deviceSelect, d.userId(), d.deviceId())).thenCompose(oldRow -> {
            Device old = device(oldRow);
            // A logged batch: the device row and its token index land together, or (after a crash) are
            // replayed together from the batch log.
            BatchStatement batch = BatchStatement.newInstance(DefaultBatchType.LOGGED,
                    env.bind(env.st.deviceInsert, d.userId(), d.deviceId(), d.name(), d.tokenHash(),
                            d.createdAt().toString(), d.pushProvider(), d.pushTarget()),
                    env.bind(env.st.tokenInsert, d.tokenHash(), d.userId(), d.deviceId()));
            CompletableFuture<Void> written = env.cql.exec(batch).thenApply(rs -> null);
            if (old == null || old.tokenHash().equals(d.tokenHash())) {
                return written;
            }
            return written.thenCompose(v -> retireToken(old));
        });
    }

    /**
     * Adds a device unless its user has {@code max}: count, write, count again. Two additions that
     * race for the last slot both see more than {@code max} afterwards and both withdraw (the
     * callers may retry), so the cap holds without a lightweight transaction on the user's row.
     * Quorum writes and reads make each count see every completed addition.
     */
    CompletableFuture<Boolean> addDevice(Device d, int max) {
        return devicesOf(d.userId()).thenCompose(before -> {
            boolean replacing = before.stream().anyMatch(x -> x.deviceId().equals(d.deviceId()));
            if (!replacing && before.size() >= max) {
                return CompletableFuture.completedFuture(false);
            }
            return putDevice(d).thenCompose(v -> devicesOf(d.userId())).thenCompose(after -> {
                if (replacing || after.size() <= max) {
                    return CompletableFuture.completedFuture(true);
                }
                return deleteDevice(d.userId(), d.deviceId()).thenApply(deleted -> false);
            });
        });
    }

    /** Deletes the token's index entry if it still names this device (another device may have taken the hash). */
    private CompletableFuture<Void> retireToken(Device old) {
        // An ambiguous outcome is harmless: a stale index entry is filtered out on lookup.
        return env.cql.cas(env.bind(env.st.tokenDeleteIfOwner, old.tokenHash(), old.userId(), old.deviceId()))
                .thenApply(r -> null);
    }

    CompletableFuture<Optional<Device>> findDeviceByTokenHash(String tokenHash) {
        return env.cql.one(env.bind(env.st.tokenSelect, tokenHash)).thenCompose(idx -> {
            if (idx == null) {
                return CompletableFuture.completedFuture(Optional.<Device>empty());
            }
            return env.cql.one(env.bind(env.st.deviceSelect, idx.getString("user_id"), idx.getString("device_id")))
                    .thenApply(row -> Optional.ofNullable(device(row)).filter(dev -> dev.tokenHash().equals(tokenHash)));
        });
    }

    CompletableFuture<List<Device>> devicesOf(String userId) {
        return env.cql.all(env.bind(env.st.devicesOfUser, userId), Accounts::device).thenApply(List::copyOf);
    }

    CompletableFuture<Boolean> deleteDevice(String userId, String deviceId) {
        return env.cql.one(env.bind(env.st.deviceSelect, userId, deviceId)).thenCompose(row -> {
            Device old = device(row);
            if (old == null) {
                return CompletableFuture.completedFuture(false);
            }
            return env.cql.cas(env.bind(env.st.deviceDeleteIfExists, userId, deviceId)).thenCompose(r -> {
                if (r.outcome() == Cql.Cas.NOT_APPLIED) {
                    return CompletableFuture.completedFuture(false);
                }
                CompletableFuture<Void> cursor = env.cql.exec(env.bind(env.st.cursorDelete, userId, deviceId))
                        .thenApply(rs -> null);
                return cursor.thenCompose(v -> retireToken(old)).thenApply(v -> true);
            });
        });
    }

    static Device device(Row row) {
        if (row == null) {
            return null;
        }
        return new Device(row.getString("user_id"), row.getString("device_id"), row.getString("name"),
                row.getString("token_hash"), Instant.parse(row.getString("created_at")), row.getString("push_provider"),
                row.getString("push_target"));
    }

    private static <T> CompletableFuture<T> retry(int attempts, Throwable cause,
                                                  Supplier<CompletableFuture<T>> again) {
        if (attempts <= 1) {
            return CompletableFuture.failedFuture(new ParleyException(ErrorCode.UNAVAILABLE,
                    "cassandra: lightweight transaction did not settle", cause));
        }
        return again.get();
    }
}
