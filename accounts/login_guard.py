"""Slows password guessing: after LOGIN_FAILURE_LIMIT failed logins for one username from one
client address within LOGIN_FAILURE_WINDOW_SECONDS, further attempts for that pair are refused
(page: a Korean message, API: 429 RATE_LIMITED) until the window runs out. A successful login
clears the count. Counts live in the Django cache (Redis); when Redis is down the guard fails
open (django-redis IGNORE_EXCEPTIONS turns every call into a miss), so an outage never locks
shoppers out - the per-scope DRF throttles stay the coarse backstop.

Keyed by username and address together, so one attacker cannot lock a victim out from everywhere
and one address cannot spray a single account."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from core.client import client_ip


def client_address(request) -> str:
    """The caller's address as the throttles see it (core/client.py), so both limits agree."""
    return client_ip(request)


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().casefold()}\0{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def _limit() -> int:
    return settings.LOGIN_FAILURE_LIMIT


def _window() -> int:
    return settings.LOGIN_FAILURE_WINDOW_SECONDS


def retry_after(username: str, address: str) -> int | None:
    """Seconds until `username` may try again from `address`, or None when it may try now."""
    key = _key(username, address)
    failures = cache.get(key)
    if not isinstance(failures, int) or failures < _limit():
        return None
    ttl = cache.ttl(key) if hasattr(cache, "ttl") else None
    return int(ttl) if isinstance(ttl, int) and ttl > 0 else _window()


def record_failure(username: str, address: str) -> None:
    key = _key(username, address)
    # add() starts the window on the first failure only; incr() never extends it
    cache.add(key, 0, timeout=_window())
    try:
        cache.incr(key)
    except ValueError:  # the window ran out between add() and incr()
        cache.add(key, 1, timeout=_window())


def clear(username: str, address: str) -> None:
    cache.delete(_key(username, address))
