"""The Redis gate in front of coupon issue (SPEC §4, DESIGN "Redis").

Keys (raw Redis keys, not django-redis cache keys, so KEY_PREFIX does not apply):
`coupon:{id}:remaining` (an integer), `coupon:{id}:issued` (a SET of user ids) and
`coupon:{id}:window` (the issue window, `starts:ends` in microseconds since the epoch, `ends` empty
for none). The window lives here, not in each process, so a staff edit reaches every worker at
once and a refused request never reads the database. The gate holds nothing PostgreSQL cannot
rebuild: `coupon_gate_rebuild` recomputes all three keys from the database. The gate fails closed:
any Redis error becomes `GateUnavailable` (503 upstream).
"""

import contextlib
import time
from datetime import datetime

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from core.epoch import micros, window
from core.lua import LuaScript

ISSUED, SOLD_OUT, ALREADY_ISSUED, NOT_READY, NOT_ISSUABLE = 1, 0, -2, -1, -3

# One round trip decides an issue: inside the window (ARGV[2] is now)? already issued? anything
# left? then take one and record the user. A gate without its window is not ready (rebuilt).
_ISSUE_LUA = """
local remaining = redis.call('GET', KEYS[1])
local window = redis.call('GET', KEYS[3])
if not remaining or not window then return -1 end
local now = tonumber(ARGV[2])
local sep = string.find(window, ':', 1, true)
if now < tonumber(string.sub(window, 1, sep - 1)) then return -3 end
local ends = tonumber(string.sub(window, sep + 1))
if ends and now >= ends then return -3 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -2 end
if tonumber(remaining) <= 0 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""

# Undoes a reservation the database refused. ARGV[2] says what the database answered:
#   'undo'      - nothing was written: forget the user and give the coupon back, but only if the
#                 user is still in the set (a rebuild in between never counted this reservation);
#   'sold_out'  - the database has none left: forget the user and close the gate (remaining = 0).
# A gate that vanished meanwhile (flush) is left alone: its rebuild reads the database.
_UNDO_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] == 'sold_out' then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SET', KEYS[1], 0)
  return 1
end
if redis.call('SREM', KEYS[2], ARGV[1]) == 1 then redis.call('INCR', KEYS[1]) end
return 1
"""

REBUILD_LOCK_MS = 5000
SADD_CHUNK = 1000


class GateUnavailable(Exception):
    """Redis did not answer; callers fail closed."""


def remaining_key(coupon_id: int) -> str:
    return f"coupon:{coupon_id}:remaining"


def issued_key(coupon_id: int) -> str:
    return f"coupon:{coupon_id}:issued"


def window_key(coupon_id: int) -> str:
    return f"coupon:{coupon_id}:window"


def _lock_key(coupon_id: int) -> str:
    return f"coupon:{coupon_id}:rebuild-lock"


_ISSUE = LuaScript(_ISSUE_LUA)
_UNDO = LuaScript(_UNDO_LUA)


def connection():
    return get_redis_connection("default")


def gate_take(*, coupon_id: int, user_id: int, now: datetime) -> int:
    """Runs the issue script: ISSUED, NOT_ISSUABLE (outside the window at `now`), SOLD_OUT,
    ALREADY_ISSUED or NOT_READY (no gate yet), in that precedence."""
    try:
        conn = connection()
        keys = [remaining_key(coupon_id), issued_key(coupon_id), window_key(coupon_id)]
        return int(_ISSUE(keys=keys, args=[user_id, micros(now)], client=conn))
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_undo(*, coupon_id: int, user_id: int, mode: str) -> None:
    """Best effort: if Redis is gone now, the database still holds the truth and a rebuild heals."""
    try:
        conn = connection()
        _UNDO(keys=[remaining_key(coupon_id), issued_key(coupon_id)], args=[user_id, mode], client=conn)
    except RedisError:
        pass


def gate_write(*, coupon_id: int, remaining: int, user_ids, starts_at: datetime, ends_at: datetime | None) -> None:
    """Replaces the gate of one drop in a single MULTI: an issue script sees either no gate (and
    waits for it) or the whole new one, never a half-filled set."""
    try:
        conn = connection()
        pipe = conn.pipeline(transaction=True)
        pipe.delete(remaining_key(coupon_id), issued_key(coupon_id), window_key(coupon_id))
        user_ids = list(user_ids)
        for start in range(0, len(user_ids), SADD_CHUNK):
            pipe.sadd(issued_key(coupon_id), *user_ids[start : start + SADD_CHUNK])
        pipe.set(window_key(coupon_id), window(starts_at, ends_at))
        pipe.set(remaining_key(coupon_id), max(remaining, 0))
        pipe.execute()
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_window_set(*, coupon_id: int, starts_at: datetime, ends_at: datetime | None) -> None:
    """Sets the window of a gate that exists (SET XX), in place: the counts and the issued set are
    left alone. A missing gate is left missing: the next issue builds it from PostgreSQL."""
    try:
        connection().set(window_key(coupon_id), window(starts_at, ends_at), xx=True)
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_lock(*, coupon_id: int) -> bool:
    """A short lock so that only one process rebuilds a missing gate."""
    try:
        return bool(connection().set(_lock_key(coupon_id), "1", nx=True, px=REBUILD_LOCK_MS))
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_unlock(*, coupon_id: int) -> None:
    with contextlib.suppress(RedisError):
        connection().delete(_lock_key(coupon_id))


def gate_exists(*, coupon_id: int) -> bool:
    try:
        return connection().exists(remaining_key(coupon_id), window_key(coupon_id)) == 2
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_wait_ready(*, coupon_id: int, timeout: float = 3.0) -> bool:
    """Waits (briefly) for another process's rebuild to publish the gate."""
    deadline = time.monotonic() + timeout
    try:
        conn = connection()
        while time.monotonic() < deadline:
            if conn.exists(remaining_key(coupon_id), window_key(coupon_id)) == 2:
                return True
            time.sleep(0.01)
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc
    return False


def gate_remaining(coupon_ids: list[int]) -> dict[int, int]:
    """Remaining counts the gate knows (one MGET); drops without a gate, or all of them when Redis
    is down, are simply absent so the caller falls back to the database."""
    if not coupon_ids:
        return {}
    try:
        values = connection().mget([remaining_key(cid) for cid in coupon_ids])
    except RedisError:
        return {}
    return {cid: max(int(v), 0) for cid, v in zip(coupon_ids, values, strict=True) if v is not None}


def gate_clear(*, coupon_id: int) -> None:
    try:
        connection().delete(remaining_key(coupon_id), issued_key(coupon_id), window_key(coupon_id))
    except RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def gate_issued_counts(coupon_ids: list[int]) -> dict[int, int]:
    """SCARD of each drop's issued set (pipelined); empty when Redis is down."""
    if not coupon_ids:
        return {}
    try:
        pipe = connection().pipeline(transaction=False)
        for cid in coupon_ids:
            pipe.scard(issued_key(cid))
        counts = pipe.execute()
    except RedisError:
        return {}
    return dict(zip(coupon_ids, counts, strict=True))
