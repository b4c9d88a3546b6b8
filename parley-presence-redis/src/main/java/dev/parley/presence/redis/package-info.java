/**
 * Presence in Redis: which devices of a user are connected to which chat server, when the user
 * was last seen, and online/offline events for every server.
 *
 * <h2>Keys</h2>
 * {@code P} is {@link dev.parley.presence.redis.RedisPresenceConfig#keyPrefix()} (default
 * {@code parley:}); times are epoch milliseconds from the Redis server's clock ({@code TIME}), so
 * no two chat servers disagree about expiry.
 * <table>
 * <caption>Redis keys</caption>
 * <tr><th>key</th><th>type</th><th>content</th></tr>
 * <tr><td>{@code P presence:<userId>}</td><td>hash</td><td>field {@code <serverId>|<deviceId>} →
 *     expiry time of that connection. A user is online while at least one field's expiry is in the
 *     future; readers ignore expired fields whether or not they have been removed yet.</td></tr>
 * <tr><td>{@code P lastseen:<userId>}</td><td>string</td><td>when the user last came online or
 *     went offline; never expires (it is what "last seen" shows).</td></tr>
 * <tr><td>{@code P presence-expiry}</td><td>sorted set</td><td>member {@code <userId>}, score = the
 *     earliest expiry among the user's fields: the index the sweep walks.</td></tr>
 * <tr><td>{@code P server:<serverId>:alive}</td><td>string with TTL</td><td>the time of the server's
 *     last refresh, expiring after the entry TTL; for operators ({@code SCAN} for
 *     {@code P server:*:alive} lists the live servers). Nothing depends on it.</td></tr>
 * </table>
 * Events are published on channel {@code P presence} (default {@code parley:presence}) as
 * {@code {"user":"alice","online":false,"lastSeen":1718000000000}}, exactly once per transition,
 * by the script that made it; every registry instance subscribes and calls its listeners.
 *
 * <h2>Expiry: a dead server's users go offline by themselves</h2>
 * Each connection's field carries its own expiry ({@code now + entryTtl}), renewed by the
 * {@code refresh} of the server holding it (every {@code heartbeatTimeout / 3} in the core). When
 * a server dies, nobody renews its fields: from their expiry on, lookups and {@code locate} treat
 * them as absent, and the periodic sweep of every other registry instance (every
 * {@code entryTtl / 4}, between 100 ms and 1 s) finds the user in {@code presence-expiry}, removes
 * the fields and, if none is left, sets last seen to the last refresh (expiry − TTL) and publishes
 * the offline event. No part of this needs the dead server, and any number of sweepers may run at
 * once: the expiry script is atomic, so exactly one of them sees the transition.
 *
 * <h2>Atomicity</h2>
 * Every change of a user's entry is one Lua script: "remove this device; if the user has none
 * left, set last seen and publish offline" cannot interleave with another server's change of the
 * same user. Connect, disconnect and refresh are sent as {@code EVAL} on one connection, so Redis
 * runs them in the order this server issued them (a refresh can never overtake, and undo, a later
 * disconnect); lookups and the sweep use {@code EVALSHA}, falling back to {@code EVAL} after a
 * Redis restart emptied the script cache. Refresh takes batches of 256 users per script so that
 * no script holds Redis for long.
 *
 * <h2>Outages</h2>
 * While Redis is down, calls fail fast (their stages complete exceptionally) and Lettuce
 * reconnects with a back-off of 100 ms to 2 s, re-subscribing to the channel. Each registry
 * instance remembers the devices connected through it, so the first refresh after Redis came back
 * re-creates them, even if Redis lost its data (it is run without persistence in tests), and
 * publishes them online again. Events published during the outage are lost: presence is best
 * effort, and nothing that must be exact (delivery, receipts) depends on it.
 *
 * <h2>Deployment</h2>
 * Redis 5 or newer (scripts that read {@code TIME} and then write rely on effects replication;
 * tested with 7.0). One Redis primary, optionally with replicas and Sentinel
 * ({@code redis-sentinel://} URI). Not
 * Redis Cluster: the scripts touch a user's keys and the shared expiry index together.
 * {@code entryTtl} must be the same on every server and at least twice the refresh interval.
 */
package dev.parley.presence.redis;
