"""The product cache: one version for the whole catalog, fail-open reads, single-flight fills.

Invalidation is one increment: any product create/edit/deactivate bumps `products:version` after
commit. Each entry is stored as `(version, rendered JSON bytes, refresh time)` and only counts as a
hit when its version is the current one, so a bump drops every cached page, product and best-seller list at
once. Keeping the version in the value instead of the key (`products:v{n}:...`) lets a hit be ONE
Redis round trip (MGET of the version and the entry) instead of two.

A hit is served from this process's memory when it can be (`products.local_copies`): Redis tells
every process about each change under `products:`, so a copy is never older than the entry in
Redis and a bump still drops them all at once.

Stock changes from orders do not bump the version: list pages live at most `LIST_TTL` seconds,
the staleness SPEC §2 allows. Every Redis failure degrades to the database (django-redis
IGNORE_EXCEPTIONS turns a refused connection into a miss)."""

import random
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from core.replicas import CATALOG, pin_primary
from products.local_copies import LocalCopies

VERSION_KEY = "products:version"
LIST_TTL = 10  # seconds; SPEC: list stock may be up to 10 s stale
DETAIL_TTL = 10
BEST_SELLERS_TTL = 10  # the beat task rewrites it about every 10 s; a miss recomputes (single-flight)
LOCK_TTL = 5
LOCK_WAIT = 1.0  # a request that loses the single-flight race waits this long for the winner
REFRESH_WINDOW = (0.5, 0.9)  # shares of an entry's ttl between which one request refreshes it


def _cache():
    return caches["default"]


_copies = LocalCopies(
    location=lambda: str(settings.CACHES["default"]["LOCATION"]),
    redis_key=lambda key: _cache().make_key(key),
    prefix="products:",
    reset_key=VERSION_KEY,
)


def _new_version() -> int:
    # A lost version key restarts from the clock, never from a number used before.
    return time.time_ns() // 1_000_000


def current_version() -> int | None:
    """The catalog version, created on first use; None when Redis is unreachable."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        if cache.add(VERSION_KEY, _new_version(), timeout=None) is None:
            return None
        version = cache.get(VERSION_KEY)
    return version


def version_redis_key() -> str:
    """The version's raw Redis key (its value is the number's digits), for readers that pair it
    with keys of their own in one round trip (orders.sold_out)."""
    return _cache().make_key(VERSION_KEY)


def bump_version() -> None:
    cache = _cache()
    try:
        if cache.incr(VERSION_KEY) is None:
            cache.add(VERSION_KEY, _new_version(), timeout=None)
    except ValueError:  # no version yet, so nothing is cached under one
        cache.add(VERSION_KEY, _new_version(), timeout=None)
    # This process's copies now; the other workers' when they next read Redis's message to them.
    # Redis writes those messages in the same pass as the reply above, sometimes just after it;
    # it has written them all before it answers the next command, so once this read returns, the
    # next request in any worker sees the bump.
    _copies.clear()
    cache.get(VERSION_KEY)
    pin_primary(CATALOG)  # refills read the primary until the replica has replayed the edit


def bump_version_on_commit() -> None:
    """Invalidate after the writing transaction commits, so nobody re-caches the old rows."""
    transaction.on_commit(bump_version)


def key(*parts) -> str:
    return ":".join(["products", *map(str, parts)])


def lookup(cache_key: str) -> tuple[int | None, bytes | None]:
    """One MGET: the current version, and the entry's bytes if it was stored under it.
    (None, None) when Redis is unreachable."""
    version, entry = _read(cache_key)
    return (current_version() if version is None else version), entry[1] if entry else None


def lookup_fresh(cache_key: str) -> bytes | None:
    """The entry's bytes if it is current and not yet due for a refresh (see `fetch_single_flight`);
    None otherwise, Redis unreachable included (the caller then goes the long way, which also
    creates a missing version). Served from this process's copy when it holds one, else read
    from Redis and copied."""
    return _read_fresh(cache_key)[0]


def _read_fresh(cache_key: str) -> tuple[bytes | None, int | None, tuple | None]:
    """(the bytes if fresh, else None; the version and the entry read from Redis, None when this
    process's copy answered): at most one MGET, and a fresh entry read is copied."""
    entry = _copies.get(cache_key)
    if entry is not None and not _refresh_due(entry):
        return entry[1], None, entry
    token = _copies.begin()
    version, entry = _read(cache_key)
    if entry is None or _refresh_due(entry):
        return None, version, entry
    if token is not None:
        _copies.put(token, cache_key, entry)
    return entry[1], version, entry


def _read(cache_key: str) -> tuple[int | None, tuple | None]:
    """One MGET: the stored version and the entry if it was stored under that version."""
    values = _cache().get_many([VERSION_KEY, cache_key])
    version = values.get(VERSION_KEY)
    entry = values.get(cache_key)
    return version, entry if version is not None and entry is not None and entry[0] == version else None


def _refresh_due(entry: tuple) -> bool:
    return time.time() >= entry[2]


def store(cache_key: str, version: int, body: bytes, ttl: int) -> None:
    # Entry: (version, bytes, when one request should refresh it). The moment is random within the
    # entry's life so that entries filled together (a cold start, a version bump) are not all
    # recomputed together later: that burst of slow queries is what stalled searches.
    refresh_at = time.time() + ttl * random.uniform(*REFRESH_WINDOW)  # noqa: S311 (not security)
    _cache().set(cache_key, (version, body, refresh_at), timeout=ttl)
    _copies.discard(cache_key)


def fetch_single_flight(cache_key: str, compute: Callable[[], bytes], ttl: int) -> bytes:
    """The cached bytes, or compute() stored for `ttl` seconds; a stampede runs compute() once.
    Late in its life (REFRESH_WINDOW) an entry is refreshed by the one request that takes a short
    Redis lock (SET NX EX) while every other request is still served the entry, so under traffic
    entries are replaced before they expire and nobody waits (staleness stays within `ttl`). On a
    miss, the lock holder fills the key and the others wait up to LOCK_WAIT for it, then compute
    from the database themselves (never an error). Redis down → compute()."""
    body, version, entry = _read_fresh(cache_key)  # this process's copy, or one read of Redis
    if body is not None:
        return body
    if version is None:
        version = current_version()  # none yet (or Redis unreachable: None again)
    if version is None:
        return compute()
    cache = _cache()
    lock_key = f"{cache_key}:lock"
    acquired = cache.add(lock_key, 1, timeout=LOCK_TTL)
    if acquired is None:  # Redis went away in between
        return entry[1] if entry is not None else compute()
    if acquired:
        try:
            body = compute()
            store(cache_key, version, body, ttl)
            return body
        finally:
            cache.delete(lock_key)
    if entry is not None:
        return entry[1]  # someone else is refreshing it
    deadline = time.monotonic() + LOCK_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.02)
        _, fresh = lookup(cache_key)
        if fresh is not None:
            return fresh
    return compute()
