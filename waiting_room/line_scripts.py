"""The line's Lua scripts (waiting_room/line.py describes the keys and runs them). Each decides one
step atomically in Redis, so two shoppers, or a shopper and an admission tick, never see half of
one; the comment above each gives its ARGV and its answer."""

# A ticket's status as it reads now: an admitted ticket past its expiry has lapsed, and a waiting
# one in a closed line is sold out, even before the next admission tick writes it down.
_STATUS_LUA = """
local function status_of(prefix, ticket, now)
  local t = redis.call('HMGET', prefix .. 't:' .. ticket, 'status', 'expires_at')
  local status = t[1]
  if not status then return nil end
  if status == 'ADMITTED' and tonumber(t[2]) <= now then return 'EXPIRED' end
  if status == 'WAITING' and redis.call('HGET', prefix .. 'state', 'closed') == '1' then return 'SOLD_OUT' end
  return status
end
"""

# ARGV: prefix, user, new ticket, now (ms), before the start (0/1)
# -> {1, ticket} joined, {0, ticket} the user's live ticket, {-1, ''} the line is closed
JOIN_LUA = (
    _STATUS_LUA
    + """
local prefix, user, fresh, now, early = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local mine = redis.call('GET', prefix .. 'u:' .. user)
if mine then
  local status = status_of(prefix, mine, now)
  if status == 'WAITING' or status == 'ADMITTED' then return {0, mine} end
end
if redis.call('HGET', prefix .. 'state', 'closed') == '1' then return {-1, ''} end
local seq = redis.call('HINCRBY', prefix .. 'state', 'seq', 1)
redis.call('HSET', prefix .. 't:' .. fresh, 'user', user, 'status', 'WAITING', 'joined_at', now)
redis.call('SET', prefix .. 'u:' .. user, fresh)
if early == '1' and redis.call('HGET', prefix .. 'state', 'shuffled') ~= '1' then
  redis.call('ZADD', prefix .. 'early', seq, fresh)
else
  redis.call('ZADD', prefix .. 'line', ARGV[6] + seq, fresh)
end
return {1, fresh}
"""
)

# ARGV: prefix, ticket, now (ms) -> {user, status, position or -1, admitted_at, expires_at, rate}
READ_LUA = (
    _STATUS_LUA
    + """
local prefix, ticket, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local status = status_of(prefix, ticket, now)
if not status then return false end
local t = redis.call('HMGET', prefix .. 't:' .. ticket, 'user', 'admitted_at', 'expires_at')
local position = -1
if status == 'WAITING' then
  local rank = redis.call('ZRANK', prefix .. 'line', ticket)
  if rank then
    position = rank + 1
  else
    rank = redis.call('ZRANK', prefix .. 'early', ticket)
    if rank then position = rank + 1 end
  end
end
local rate = redis.call('HGET', prefix .. 'state', 'rate') or '0'
return {t[1], status, position, t[2] or '', t[3] or '', rate}
"""
)

# ARGV: prefix, then the early tickets in their drawn order. Puts them at the head of the line
# (scores 1..n) once; an early ticket not in the list (it joined after the draw was read) follows
# them in join order.
SHUFFLE_LUA = """
local prefix = ARGV[1]
if redis.call('HGET', prefix .. 'state', 'shuffled') == '1' then return 0 end
local n = 0
for i = 2, #ARGV do
  if redis.call('ZREM', prefix .. 'early', ARGV[i]) == 1 then
    n = n + 1
    redis.call('ZADD', prefix .. 'line', n, ARGV[i])
  end
end
for _, ticket in ipairs(redis.call('ZRANGE', prefix .. 'early', 0, -1)) do
  n = n + 1
  redis.call('ZADD', prefix .. 'line', n, ticket)
end
redis.call('DEL', prefix .. 'early')
redis.call('HSET', prefix .. 'state', 'shuffled', 1)
return n
"""

# ARGV: prefix, now (ms), units left (PostgreSQL), admit per second, ticket lifetime (ms), the
# admitted count read before the units (-1: none)
# -> {admitted now, expired now, admitted and live, waiting, closed (0/1)}
# Expires lapsed tickets, closes the line when no unit is left, else admits the next tickets: at
# most `rate` a second (a token bucket holding at most one second's worth) and never more live
# admitted tickets than units left. An order takes its unit in PostgreSQL before its ticket leaves
# the admitted set (after its commit), so the units are compared with the admitted count read
# before them (less what has lapsed since), not with the one here: an order that committed in
# between is then counted once, never not at all.
TICK_LUA = """
local prefix, now, units, rate, life = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local counted = tonumber(ARGV[6] or '-1')
local state = prefix .. 'state'
local expired = 0
for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'admitted', '-inf', now)) do
  if redis.call('HGET', prefix .. 't:' .. ticket, 'status') == 'ADMITTED' then
    redis.call('HSET', prefix .. 't:' .. ticket, 'status', 'EXPIRED')
    expired = expired + 1
  end
  redis.call('ZREM', prefix .. 'admitted', ticket)
end
if expired > 0 then redis.call('HINCRBY', state, 'expired', expired) end
local live = redis.call('ZCARD', prefix .. 'admitted')
if units <= 0 then
  if redis.call('HGET', state, 'closed') ~= '1' then
    redis.call('HSET', state, 'closed', 1)
    for _, key in ipairs({prefix .. 'line', prefix .. 'early'}) do
      for _, ticket in ipairs(redis.call('ZRANGE', key, 0, -1)) do
        redis.call('HSET', prefix .. 't:' .. ticket, 'status', 'SOLD_OUT')
      end
      redis.call('DEL', key)
    end
  end
  return {0, expired, live, 0, 1}
end
local last = tonumber(redis.call('HGET', state, 'last_tick') or now)
local carry = tonumber(redis.call('HGET', state, 'carry') or '0')
local tokens = math.min(rate, carry + rate * math.max(0, now - last) / 1000)
redis.call('HSET', state, 'last_tick', now)
if redis.call('HGET', state, 'paused') == '1' then
  redis.call('HSET', state, 'carry', 0, 'rate', 0)
  return {0, expired, live, redis.call('ZCARD', prefix .. 'line'), 0}
end
local budget = math.min(math.floor(tokens), units - math.max(live, counted - expired))
local admitted = 0
if budget > 0 then
  for _, ticket in ipairs(redis.call('ZRANGE', prefix .. 'line', 0, budget - 1)) do
    redis.call('ZREM', prefix .. 'line', ticket)
    redis.call('HSET', prefix .. 't:' .. ticket, 'status', 'ADMITTED', 'admitted_at', now, 'expires_at', now + life)
    redis.call('ZADD', prefix .. 'admitted', now + life, ticket)
    admitted = admitted + 1
  end
end
redis.call('HSET', state, 'carry', tokens - admitted)
if admitted > 0 then redis.call('HINCRBY', state, 'admitted', admitted) end
-- the measured admission rate (per second, smoothed), for estimated waits
local elapsed = math.max(now - last, 1) / 1000
local measured = tonumber(redis.call('HGET', state, 'rate') or '0')
redis.call('HSET', state, 'rate', tostring(0.7 * measured + 0.3 * admitted / elapsed))
return {admitted, expired, live + admitted, redis.call('ZCARD', prefix .. 'line'), 0}
"""

# ARGV: prefix, ticket, user, now (ms) -> 1 marked USED, 0 not the user's live admitted ticket
USE_LUA = (
    _STATUS_LUA
    + """
local prefix, ticket, user, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('HGET', prefix .. 't:' .. ticket, 'user') ~= user then return 0 end
if status_of(prefix, ticket, now) ~= 'ADMITTED' then return 0 end
redis.call('HSET', prefix .. 't:' .. ticket, 'status', 'USED')
redis.call('ZREM', prefix .. 'admitted', ticket)
return 1
"""
)
