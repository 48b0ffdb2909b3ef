"""DRF's `ScopedRateThrottle`, in one Redis round trip.

DRF's version reads the request history (a pickled list) from the cache and writes it back: two
round trips and a pickle per throttled request, about an eighth of the CPU of a coupon-issue request
(py-spy, docs/benchmarks.md). This one keeps the same sliding-window log as a sorted set and checks
and records in one Lua script. Same rates (`DEFAULT_THROTTLE_RATES`), same keys per scope and user
(or client address), same `Retry-After` arithmetic; like the cache-backed original it lets requests
through when Redis does not answer.
"""

import logging
import secrets

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework import throttling

from core.client import client_ip

logger = logging.getLogger(__name__)

# KEYS[1] the log; ARGV: now (s, float), window (s), limit, a unique member.
# Returns {allowed 0/1, entries in the window, oldest entry's time as a string}.
_SLIDING_LOG = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
if count >= tonumber(ARGV[3]) then
  return {0, count, oldest}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('EXPIRE', key, math.ceil(window))
return {1, count + 1, oldest or ARGV[1]}
"""

_script = None


def _sliding_log():
    global _script
    if _script is None:
        _script = get_redis_connection("default").register_script(_SLIDING_LOG)
    return _script


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)  # never a forged X-Forwarded-For (core/client.py)

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        member = f"{self.now:.6f}:{secrets.token_hex(4)}"
        try:
            allowed, count, oldest = _sliding_log()(
                keys=[cache.make_key(self.key)], args=[repr(self.now), self.duration, self.num_requests, member]
            )
        except RedisError:
            logger.warning("throttle %s: Redis did not answer; letting the request through", self.scope)
            return True
        self._count, self._oldest = int(count), float(oldest) if oldest is not None else None
        return bool(allowed)

    def wait(self):
        oldest = getattr(self, "_oldest", None)
        remaining = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available = self.num_requests - getattr(self, "_count", 0) + 1
        if available <= 0:
            return None
        return remaining / float(available)
