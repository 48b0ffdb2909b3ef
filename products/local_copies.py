"""Process-local copies of cached catalog entries, served without a Redis round trip.

Why not the default, a django-redis read on every hit: that round trip kept cached list pages and
the best sellers well below /api/health's throughput, while a copy in the worker's memory costs a
dict lookup; the A/B of 3 Dec measured the gain above the run-to-run spread, so this stays
(`docs/benchmarks.md#tuning-log` row #23).

What makes copies safe is that Redis says when they go stale. Each process keeps one connection
with CLIENT TRACKING on, in broadcast mode for the catalog's key prefix and redirected to itself
while it is subscribed to `__redis__:invalidate`: whenever a key under the prefix changes (an
entry refreshed, the version bumped, a key evicted or expired, FLUSHDB or FLUSHALL), Redis writes
its name to that socket. Every read first checks the socket without blocking and drops what it
names: that copy, or all of them for the version key or a flush. Redis has written the message before it answers
the writer's next command, so every request that starts after that answer, in any process, finds
it there (`products.cache.bump_version` waits for one): a bump reaches every worker on the host
before the edit's response leaves, and a refreshed entry replaces the copies at once.
Without that connection (Redis down, not connected yet, a broken socket, a forked child) no copy
is served and the caller reads Redis as before.

At most MAX_ENTRIES copies are kept (the oldest is dropped first): enough for the pages,
products and best sellers a sale makes hot, without letting one-off searches grow the worker."""

import os
import threading
import time
from collections.abc import Callable

import redis

MAX_ENTRIES = 256
RETRY_SECONDS = 1.0  # after a failed connect to a location, copies stay off this long before the next try
INVALIDATE_CHANNEL = "__redis__:invalidate"


class LocalCopies:
    def __init__(self, *, location: Callable[[], str], redis_key: Callable[[str], str], prefix: str, reset_key: str):
        """Copies of the entries whose keys start with `prefix`; a change of `reset_key` drops them
        all. `redis_key` names a key in Redis (the cache's key prefix and version); it and
        `location` are read when connecting, as settings may point the cache elsewhere (tests do)."""
        self._location = location
        self._redis_key = redis_key
        self._prefix = prefix
        self._reset_key = reset_key
        self._lock = threading.Lock()  # granian runs several request threads per worker
        self._entries: dict[str, tuple] = {}
        self._generation = 0  # +1 whenever copies are dropped or invalidated; see `begin`/`put`
        self._conn: redis.connection.ConnectionInterface | None = None
        self._client_id: int | None = None
        self._strip = 0  # length of the cache's own key prefix in a Redis key name
        self._connected_to: tuple | None = None  # (pid, location)
        self._retry_at: tuple[str, float] | None = None  # (location, monotonic time) after a failure

    def get(self, key: str) -> tuple | None:
        """The copy of `key`, if one is held and nothing was invalidated since it was put."""
        with self._lock:
            return self._entries.get(key) if self._check() else None

    def begin(self) -> int | None:
        """Call before reading an entry from Redis to `put` it: from here on any change reaches us.
        Returns the token for `put`, or None when copies cannot be kept now."""
        with self._lock:
            if not self._check() and not self._connect():
                return None
            return self._generation

    def put(self, token: int, key: str, entry: tuple) -> None:
        """Keep a copy of `entry`, unless something changed since `begin` gave `token` (the entry
        read may then be older than the change)."""
        with self._lock:
            if not self._check() or token != self._generation:
                return
            self._entries.pop(key, None)  # re-inserted last, so it is evicted last
            if len(self._entries) >= MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = entry

    def discard(self, key: str) -> None:
        """Drop this process's copy of `key` now (this process wrote it; the others hear from Redis)."""
        with self._lock:
            self._generation += 1  # a read of the old entry in flight must not be put
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._drop_copies()

    def tracking_client_id(self) -> int | None:
        """The Redis client id of this process's tracking connection (for tests and drills)."""
        return self._client_id if self._conn is not None else None

    # --- under self._lock ------------------------------------------------------------------

    def _check(self) -> bool:
        """True when the tracking connection is live and every invalidation it carried is applied."""
        if self._conn is None:
            return False
        if self._connected_to != (os.getpid(), self._location()):
            self._disconnect()
            return False
        try:
            while self._conn.can_read(timeout=0):
                message = self._conn.read_response()
                # [b"message", channel, names]; anything else is not ours to read: drop everything
                self._invalidate(message[2] if isinstance(message, list) and len(message) == 3 else None)
        except (redis.RedisError, OSError):  # Redis closed it: we can no longer hear bumps
            self._disconnect()
            return False
        return True

    def _connect(self) -> bool:
        location = self._location()
        if self._retry_at and self._retry_at[0] == location and time.monotonic() < self._retry_at[1]:
            return False
        self._disconnect()
        pool = redis.ConnectionPool.from_url(location, protocol=2, socket_timeout=0.5, socket_connect_timeout=0.5)
        conn = pool.make_connection()
        try:
            conn.connect()
            conn.send_command("CLIENT", "ID")
            client_id = conn.read_response()
            tracked = self._redis_key(self._prefix)
            conn.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", "PREFIX", tracked)
            conn.read_response()
            conn.send_command("SUBSCRIBE", INVALIDATE_CHANNEL)
            conn.read_response()
        except (redis.RedisError, OSError):
            conn.disconnect()
            self._retry_at = (location, time.monotonic() + RETRY_SECONDS)
            return False
        self._conn, self._client_id = conn, client_id
        self._strip = len(self._redis_key(""))
        self._connected_to = (os.getpid(), location)
        return True

    def _disconnect(self) -> None:
        self._drop_copies()
        if self._conn is not None:
            self._conn.disconnect()  # redis-py leaves a socket inherited through fork() alone
        self._conn = None
        self._connected_to = None

    def _invalidate(self, names: list[bytes] | None) -> None:
        """Apply one message: the Redis names of changed keys, or None for a flush (drops all)."""
        self._generation += 1  # a read in flight may predate this change: `put` refuses it
        keys = [name[self._strip :].decode() for name in names or ()]
        if names is None or self._reset_key in keys:
            self._entries.clear()
        for key in keys:
            self._entries.pop(key, None)

    def _drop_copies(self) -> None:
        self._entries.clear()
        self._generation += 1
