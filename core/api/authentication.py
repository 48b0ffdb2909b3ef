"""JWT authentication without a user SELECT on every request.

simplejwt's `JWTAuthentication` loads the user row for every bearer request. In a stampede the same
users come back every few seconds, and that query was a sixth of the CPU of an authenticated
request (py-spy, docs/benchmarks.md). Here each process keeps the users it loaded for
`JWT_USER_CACHE_SECONDS` (default 5; 0 turns it off), so the checks simplejwt makes (the user exists
and is active) and `is_staff` may lag a change by at most that long. The token itself (signature,
expiry, type) is still verified on every request.
"""

import copy
import threading
import time

from django.conf import settings
from rest_framework_simplejwt.authentication import JWTAuthentication

_MAX_ENTRIES = 20_000


class _UserCache:
    def __init__(self):
        self._entries: dict[object, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key, now: float):
        hit = self._entries.get(key)
        if hit is None or hit[0] <= now:
            return None
        return hit[1]

    def put(self, key, user, expires_at: float) -> None:
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                # Drop the older half (dicts keep insertion order): bounded memory per worker.
                for old in list(self._entries)[: _MAX_ENTRIES // 2]:
                    self._entries.pop(old, None)
            self._entries[key] = (expires_at, user)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


user_cache = _UserCache()


class CachedUserJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        seconds = getattr(settings, "JWT_USER_CACHE_SECONDS", 0)
        if seconds <= 0:
            return super().get_user(validated_token)
        key = validated_token.get(self._user_id_claim())
        now = time.monotonic()
        user = user_cache.get(key, now) if key is not None else None
        if user is None:
            user = super().get_user(validated_token)  # raises for a missing or inactive user
            user_cache.put(key, user, now + seconds)
        # A copy per request: views may set attributes on request.user.
        return copy.copy(user)

    @staticmethod
    def _user_id_claim() -> str:
        from rest_framework_simplejwt.settings import api_settings

        return api_settings.USER_ID_CLAIM
