"""Lua scripts on the default Redis: each is one `LuaScript`, registered once per process."""

from collections.abc import Sequence
from typing import Any

from django_redis import get_redis_connection
from redis.commands.core import Script


class LuaScript:
    """A script registered with redis-py's `register_script` on first use (the SHA is computed
    locally, no round trip) and run with EVALSHA; redis-py loads it again by itself on NOSCRIPT
    (after a Redis restart or a SCRIPT FLUSH). Errors are redis-py's: each caller decides whether
    Redis being away fails open or closed."""

    def __init__(self, source: str):
        self.source = source
        self._script: Script | None = None

    def __call__(self, *, keys: Sequence = (), args: Sequence = (), client=None) -> Any:
        conn = client if client is not None else get_redis_connection("default")
        if self._script is None:
            self._script = conn.register_script(self.source)
        return self._script(keys=list(keys), args=list(args), client=conn)
