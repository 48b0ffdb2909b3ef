import time

from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class RedisWindowThrottle(BaseThrottle):
    """A DRF throttle for the hottest endpoint: a fixed one-period window counted in Redis with
    INCR+EXPIRE in one pipelined round trip, instead of SimpleRateThrottle's get and set of a
    pickled request history (two round trips). The rate comes from DEFAULT_THROTTLE_RATES[scope].
    Fails open when Redis is down: the throttle protects capacity, it guards no invariant."""

    scope = "coupon_issue"

    def __init__(self):
        rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = SimpleRateThrottle.parse_rate(self, rate)
        self._wait = 0.0

    def allow_request(self, request, view) -> bool:
        user_id = getattr(request.user, "pk", None)
        if user_id is None:
            return True  # anonymous callers are refused by the permission check before this runs
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{user_id}:{window}"
        try:
            pipe = get_redis_connection("default").pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self.duration + 1)
            count, _ = pipe.execute()
        except RedisError:
            return True
        if count > self.num_requests:
            self._wait = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float:
        return self._wait
