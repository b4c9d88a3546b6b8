package dev.parley.presence.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts behind {@link RedisPresenceRegistry}. Each read-modify-write of one user's entry
 * runs as one script, so concurrent servers never interleave inside it, and each takes the time
 * from Redis ({@code TIME}) so every server judges expiry by one clock.
 *
 * <p>Field values are expiry times in epoch milliseconds; a field whose expiry is not after "now"
 * is absent for every reader, whether or not a sweep has removed it yet.
 */
final class PresenceScripts {

    /**
     * A script and its SHA-1, for {@code EVALSHA} with a fall-back to {@code EVAL}; {@code ordered}
     * scripts must run in the order they were issued, so they are always sent with {@code EVAL}.
     */
    record Script(String name, String body, String sha, boolean ordered) {
        static Script of(String name, String body) {
            return of(name, body, false);
        }

        static Script ordered(String name, String body) {
            return of(name, body, true);
        }

        private static Script of(String name, String body, boolean ordered) {
            String full = PRELUDE + body;
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(full.getBytes(StandardCharsets.UTF_8));
                return new Script(name, full, HexFormat.of().formatHex(digest), ordered);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required by the Java platform", e);
            }
        }
    }

    private PresenceScripts() {
    }

    private static final String PRELUDE = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function ms(n)
              return string.format('%d', n)
            end
            -- Drops the fields whose expiry has passed; returns the number of live fields and the
            -- latest expiry among the dropped ones (nil when none was dropped).
            local function prune(key, now)
              local flat = redis.call('HGETALL', key)
              local live, gone = 0, nil
              for i = 1, #flat, 2 do
                local exp = tonumber(flat[i + 1]) or 0
                if exp <= now then
                  redis.call('HDEL', key, flat[i])
                  if gone == nil or exp > gone then gone = exp end
                else
                  live = live + 1
                end
              end
              return live, gone
            end
            -- Points the expiry index at the user's earliest expiring field (or removes the user).
            local function reindex(key, zkey, user)
              local min = nil
              for _, v in ipairs(redis.call('HVALS', key)) do
                local exp = tonumber(v) or 0
                if min == nil or exp < min then min = exp end
              end
              if min == nil then
                redis.call('ZREM', zkey, user)
              else
                redis.call('ZADD', zkey, min, user)
              end
            end
            local function publish(channel, user, online, seen)
              redis.call('PUBLISH', channel, '{"user":' .. cjson.encode(user) .. ',"online":' .. tostring(online)
                .. ',"lastSeen":' .. ms(seen) .. '}')
            end
            """;

    /**
     * A device connected. KEYS: presence hash, last-seen string, expiry index. ARGV: user, field
     * ({@code serverId|deviceId}), ttl ms, channel. Returns 1 when the user came online.
     */
    static final Script CONNECT = Script.ordered("connect", """
            local now = now_ms()
            local live = prune(KEYS[1], now)
            redis.call('HSET', KEYS[1], ARGV[2], ms(now + tonumber(ARGV[3])))
            reindex(KEYS[1], KEYS[3], ARGV[1])
            if live == 0 then
              redis.call('SET', KEYS[2], ms(now))
              publish(ARGV[4], ARGV[1], true, now)
              return 1
            end
            return 0
            """);

    /**
     * A device disconnected. KEYS and ARGV as {@link #CONNECT}. Returns 1 when the user went
     * offline; last seen is now, or the estimated last refresh when the device had already expired.
     */
    static final Script DISCONNECT = Script.ordered("disconnect", """
            local now = now_ms()
            local removed = redis.call('HDEL', KEYS[1], ARGV[2])
            local live, gone = prune(KEYS[1], now)
            reindex(KEYS[1], KEYS[3], ARGV[1])
            if live == 0 and (removed == 1 or gone ~= nil) then
              local seen = now
              if removed == 0 then seen = math.min(now, gone - tonumber(ARGV[3])) end
              redis.call('SET', KEYS[2], ms(seen))
              publish(ARGV[4], ARGV[1], false, seen)
              return 1
            end
            return 0
            """);

    /**
     * Removes a user's expired devices. KEYS as {@link #CONNECT}. ARGV: user, ttl ms, channel.
     * Returns 1 when the user went offline by expiry; last seen is then the last refresh
     * (expiry minus ttl).
     */
    static final Script EXPIRE = Script.of("expire", """
            local now = now_ms()
            local live, gone = prune(KEYS[1], now)
            reindex(KEYS[1], KEYS[3], ARGV[1])
            if live == 0 and gone ~= nil then
              local seen = math.min(now, gone - tonumber(ARGV[2]))
              redis.call('SET', KEYS[2], ms(seen))
              publish(ARGV[3], ARGV[1], false, seen)
              return 1
            end
            return 0
            """);

    /**
     * One server's refresh of a batch of its users. KEYS: expiry index, the server's alive key,
     * then per user its presence hash and last-seen key. ARGV: ttl ms, server id, channel, then per
     * user: user id, device count n, n fields. The server's fields of each user become exactly the
     * given ones with a fresh expiry; a user whose entry had vanished (expired, or Redis lost its
     * data) comes back online. Returns the number of users that came back.
     */
    static final Script REFRESH = Script.ordered("refresh", """
            local now = now_ms()
            local ttl = tonumber(ARGV[1])
            local exp = ms(now + ttl)
            local prefix = ARGV[2] .. '|'
            redis.call('SET', KEYS[2], ms(now), 'PX', ttl)
            local a = 4
            local back = 0
            for k = 3, #KEYS, 2 do
              local key, lkey = KEYS[k], KEYS[k + 1]
              local user = ARGV[a]
              local n = tonumber(ARGV[a + 1])
              local wanted = {}
              for j = 1, n do wanted[ARGV[a + 1 + j]] = true end
              a = a + 2 + n
              local live = prune(key, now)
              for _, f in ipairs(redis.call('HKEYS', key)) do
                if string.sub(f, 1, #prefix) == prefix and not wanted[f] then
                  redis.call('HDEL', key, f)
                end
              end
              for f, _ in pairs(wanted) do
                redis.call('HSET', key, f, exp)
              end
              reindex(key, KEYS[1], user)
              if live == 0 and n > 0 then
                redis.call('SET', lkey, ms(now))
                publish(ARGV[3], user, true, now)
                back = back + 1
              end
            end
            return back
            """);

    /**
     * Reads users' presence. KEYS: per user its presence hash and last-seen key. Returns per user
     * an array: last seen (empty string when never seen), then the distinct server ids of its
     * live devices.
     */
    static final Script LOOKUP = Script.of("lookup", """
            local now = now_ms()
            local out = {}
            for k = 1, #KEYS, 2 do
              local row = { redis.call('GET', KEYS[k + 1]) or '' }
              local seen = {}
              local flat = redis.call('HGETALL', KEYS[k])
              for i = 1, #flat, 2 do
                if (tonumber(flat[i + 1]) or 0) > now then
                  local f = flat[i]
                  local cut = string.find(f, '|', 1, true) or (#f + 1)
                  local server = string.sub(f, 1, cut - 1)
                  if not seen[server] then
                    seen[server] = true
                    row[#row + 1] = server
                  end
                end
              end
              out[#out + 1] = row
            end
            return out
            """);

    /** Users with an expired device. KEYS: expiry index. ARGV: limit. */
    static final Script DUE = Script.of("due", """
            return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
            """);
}
