package dev.parley.store.cassandra;

import dev.parley.core.contact.GroupAddPolicy;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Contact lists ({@code contacts}, one partition per owner, clustered by contact so a list reads
 * sorted) and the group-add setting ({@code user_settings}). Plain writes: a contact list has one
 * writer, its owner, and an add or remove is idempotent; whether it changed anything is read just
 * before, so two racing adds may both answer "added".
 */
final class Contacts {
    private final Env env;

    Contacts(Env env) {
        this.env = env;
    }

    CompletableFuture<Boolean> add(String owner, String contact) {
        return has(owner, contact).thenCompose(present -> present ? CompletableFuture.completedFuture(false)
                : env.cql.exec(env.bind(env.st.contactInsert, owner, contact)).thenApply(rs -> true));
    }

    CompletableFuture<Boolean> remove(String owner, String contact) {
        return has(owner, contact).thenCompose(present -> !present ? CompletableFuture.completedFuture(false)
                : env.cql.exec(env.bind(env.st.contactDelete, owner, contact)).thenApply(rs -> true));
    }

    CompletableFuture<List<String>> of(String owner) {
        return env.cql.all(env.bind(env.st.contactsOf, owner), r -> r.getString("contact_id"))
                .thenApply(List::copyOf);
    }

    CompletableFuture<Boolean> has(String owner, String contact) {
        return env.cql.one(env.bind(env.st.contactSelect, owner, contact)).thenApply(r -> r != null);
    }

    CompletableFuture<GroupAddPolicy> groupAddPolicy(String user) {
        return env.cql.one(env.bind(env.st.groupAddSelect, user)).thenApply(r -> r == null || r.isNull("group_add")
                ? GroupAddPolicy.DEFAULT : GroupAddPolicy.valueOf(r.getString("group_add")));
    }

    CompletableFuture<Void> setGroupAddPolicy(String user, GroupAddPolicy policy) {
        return env.cql.exec(env.bind(env.st.groupAddUpdate, policy.name(), user)).thenApply(rs -> null);
    }
}
