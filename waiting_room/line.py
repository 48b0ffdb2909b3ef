"""The line itself: one drop's waiting room in Redis, decided by small Lua scripts (SPEC §10).

Every key of product `p` starts with `wr:{p}:` (the braces are a Redis Cluster hash tag, so one
drop's keys live together and a script may touch them all):

    wr:{p}:t:<ticket>   HASH  user, status, joined_at, admitted_at, expires_at (ms since the epoch)
    wr:{p}:u:<user>     the user's latest ticket (one live ticket per user and product)
    wr:{p}:early        ZSET  tickets taken before the start, by join order (shuffled at the start)
    wr:{p}:line         ZSET  waiting tickets in admission order
    wr:{p}:admitted     ZSET  admitted, unused tickets by expiry time
    wr:{p}:state        HASH  shuffled, closed, paused, last_tick, carry, rate, admitted, expired, seq

Redis holds the line, never the truth about stock or orders: the admission script is handed the
units PostgreSQL says are left, and an order still takes its stock in PostgreSQL. A lost line
(flush, failover) loses places, never units.
"""

from dataclasses import dataclass
from typing import Any

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from core.lua import LuaScript
from waiting_room.line_scripts import JOIN_LUA, READ_LUA, SHUFFLE_LUA, TICK_LUA, USE_LUA

WAITING, ADMITTED, USED, EXPIRED, SOLD_OUT = "WAITING", "ADMITTED", "USED", "EXPIRED", "SOLD_OUT"
# Later joins are scored after every shuffled early one (early scores are 1..n).
LATE_OFFSET = 10**12


class LineUnavailable(Exception):
    """Redis did not answer: nothing about the line can be promised (503 upstream)."""


@dataclass(frozen=True)
class TicketState:
    user_id: int
    status: str
    position: int | None
    admitted_at_ms: int | None
    expires_at_ms: int | None
    rate: float


@dataclass(frozen=True)
class Tick:
    admitted: int
    expired: int
    live: int
    waiting: int
    closed: bool


_JOIN, _READ, _SHUFFLE, _TICK, _USE = map(LuaScript, (JOIN_LUA, READ_LUA, SHUFFLE_LUA, TICK_LUA, USE_LUA))


def _run(script: LuaScript, args: list) -> Any:
    try:
        return script(args=args)
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc


def prefix(product_id: int) -> str:
    return f"wr:{{{product_id}}}:"


def line_join(*, product_id: int, user_id: int, ticket: str, now_ms: int, before_start: bool) -> tuple[int, str]:
    args = [prefix(product_id), user_id, ticket, now_ms, int(before_start), LATE_OFFSET]
    code, which = _run(_JOIN, args)
    return int(code), which.decode() if isinstance(which, bytes) else which


def line_read(*, product_id: int, ticket: str, now_ms: int) -> TicketState | None:
    found = _run(_READ, [prefix(product_id), ticket, now_ms])
    if not found:
        return None
    user, status, position, admitted_at, expires_at, rate = (v.decode() if isinstance(v, bytes) else v for v in found)
    return TicketState(
        user_id=int(user),
        status=status,
        position=int(position) if int(position) > 0 else None,
        admitted_at_ms=int(admitted_at) if admitted_at else None,
        expires_at_ms=int(expires_at) if expires_at else None,
        rate=float(rate),
    )


def line_early_tickets(*, product_id: int) -> list[str]:
    try:
        members = get_redis_connection("default").zrange(prefix(product_id) + "early", 0, -1)
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc
    return [m.decode() for m in members]


def line_shuffle(*, product_id: int, drawn: list[str]) -> int:
    return int(_run(_SHUFFLE, [prefix(product_id), *drawn]))


def line_is_shuffled(*, product_id: int) -> bool:
    try:
        return get_redis_connection("default").hget(prefix(product_id) + "state", "shuffled") == b"1"
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc


def line_admitted_count(*, product_id: int) -> int:
    """Admitted tickets not yet used or lapsed in the line (read before the units left: `line_tick`)."""
    try:
        return int(get_redis_connection("default").zcard(prefix(product_id) + "admitted"))
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc


def line_tick(
    *, product_id: int, now_ms: int, units_left: int, rate: int, ticket_ms: int, counted_before: int = -1
) -> Tick:
    admitted, expired, live, waiting, closed = _run(
        _TICK, [prefix(product_id), now_ms, units_left, rate, ticket_ms, counted_before]
    )
    return Tick(int(admitted), int(expired), int(live), int(waiting), bool(closed))


def line_use(*, product_id: int, ticket: str, user_id: int, now_ms: int) -> bool:
    return bool(_run(_USE, [prefix(product_id), ticket, user_id, now_ms]))


def line_set_paused(*, product_id: int, paused: bool) -> None:
    try:
        get_redis_connection("default").hset(prefix(product_id) + "state", "paused", int(paused))
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc


def line_counts(*, product_id: int) -> dict[str, int]:
    """What staff watch: waiting, admitted (live), and the totals admitted and expired so far."""
    p = prefix(product_id)
    try:
        pipe = get_redis_connection("default").pipeline(transaction=False)
        pipe.zcard(p + "line")
        pipe.zcard(p + "early")
        pipe.zcard(p + "admitted")
        pipe.hmget(p + "state", "admitted", "expired", "paused", "closed")
        line, early, admitted, (total, expired, paused, closed) = pipe.execute()
    except RedisError as exc:
        raise LineUnavailable(str(exc)) from exc
    return {
        "waiting": line + early,
        "admitted": admitted,
        "admittedTotal": int(total or 0),
        "expiredTotal": int(expired or 0),
        "paused": paused == b"1",
        "closed": closed == b"1",
    }
