"""The product cache: versioned keys, fail-open reads, and a single-flight fill.

Keys are `products:v{n}:...`; any product create/edit/deactivate increments `n` (after commit),
so every cached page and the best-seller list are dropped at once. Stock changes from orders do
not bump it: list pages live at most `LIST_TTL` seconds, which is the staleness SPEC §2 allows.
Every Redis failure degrades to the database (django-redis IGNORE_EXCEPTIONS returns None)."""

import time

from django.core.cache import caches
from django.db import transaction

VERSION_KEY = "products:version"
LIST_TTL = 10  # seconds; SPEC: list stock may be up to 10 s stale
DETAIL_TTL = 10
TOP_TTL = 10  # the beat task rewrites it about every 10 s; a miss recomputes (single-flight)
LOCK_TTL = 5
LOCK_WAIT = 1.0  # a request that loses the single-flight race waits this long for the winner


def _cache():
    return caches["default"]


def current_version() -> int | None:
    """The cache version, created on first use; None when Redis is unreachable."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        # A lost version key restarts from the clock, never from a number used before (whose
        # stale pages might still be cached).
        if cache.add(VERSION_KEY, time.time_ns() // 1_000_000, timeout=None) is None:
            return None  # Redis unreachable
        version = cache.get(VERSION_KEY)
    return version


def bump_version() -> None:
    cache = _cache()
    try:
        if cache.incr(VERSION_KEY) is not None:
            return
    except ValueError:  # no version yet: nothing cached under a version we know of
        pass
    cache.add(VERSION_KEY, time.time_ns() // 1_000_000, timeout=None)


def bump_version_on_commit() -> None:
    """Invalidate after the writing transaction commits, so nobody re-caches the old rows."""
    transaction.on_commit(bump_version)


def key(version: int, *parts) -> str:
    return ":".join(["products", f"v{version}", *map(str, parts)])


def get(cache_key: str):
    return _cache().get(cache_key)


def set(cache_key: str, value, ttl: int) -> None:  # noqa: A001
    _cache().set(cache_key, value, timeout=ttl)


def get_or_fill_single_flight(cache_key: str, compute, ttl: int):
    """The cached value, or compute() once for everyone: the first request to miss takes a short
    Redis lock (SET NX EX) and fills the key; the others wait up to LOCK_WAIT for it, then give up
    and compute from the database themselves (never an error). Redis down → compute()."""
    cache = _cache()
    value = cache.get(cache_key)
    if value is not None:
        return value
    lock_key = f"{cache_key}:lock"
    acquired = cache.add(lock_key, 1, timeout=LOCK_TTL)
    if acquired is None:  # Redis unreachable: straight to the database
        return compute()
    if acquired:
        try:
            value = compute()
            cache.set(cache_key, value, timeout=ttl)
            return value
        finally:
            cache.delete(lock_key)
    deadline = time.monotonic() + LOCK_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.02)
        value = cache.get(cache_key)
        if value is not None:
            return value
    return compute()
