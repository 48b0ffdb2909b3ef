"""The HTTP client of the data-platform POST: one pooled urllib3 client per process, so a worker
keeps its connection to the data platform open from one event to the next instead of a TCP (and
TLS) handshake per event, and a total time limit per attempt.

urllib3's timeouts (like every Python HTTP client's) bound each connect and each read of the
socket, not the attempt: a receiver that answers a byte at a time could hold a worker for as long
as it likes. So each attempt runs under a deadline (`attempt_deadline`): one watchdog thread per
process shuts down the socket of any attempt still running at its deadline, the blocked read
returns, and the attempt fails as a timeout. The watchdog sleeps until the earliest deadline and
is woken only when an attempt starts while it has nothing to wait for, so a stream of attempts
costs it no wake-ups. Both the pool and the watchdog are made afresh in a forked child (Celery's
prefork pool): a parent's sockets and locks are not the child's to use.
"""

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Connections kept per host: a solo or prefork worker process uses one; a threaded pool a few.
POOL_MAXSIZE = 4
# How often the watchdog looks again at an expired attempt whose socket is not open yet (connecting).
EXPIRED_POLL_SECONDS = 0.05

_local = threading.local()


class _Attempt:
    __slots__ = ("deadline", "connection", "expired", "aborted")

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.connection = None
        self.expired = False
        self.aborted = False


class _DeadlineMixin:
    """Tells the current attempt which connection it uses (a reused one, or a new one)."""

    def request(self, *args, **kwargs):
        attempt = getattr(_local, "attempt", None)
        if attempt is not None:
            attempt.connection = self
            if attempt.expired:
                raise TimeoutError("the attempt's time limit passed before the request was sent")
        return super().request(*args, **kwargs)


class _HTTPConnection(_DeadlineMixin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Watchdog:
    def __init__(self):
        self.cond = threading.Condition()
        self.attempts: set[_Attempt] = set()
        self.thread: threading.Thread | None = None
        self.wake_at: float | None = None

    def add(self, attempt: _Attempt) -> None:
        with self.cond:
            self.attempts.add(attempt)
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="dataplatform-deadlines", daemon=True)
                self.thread.start()
            elif self.wake_at is None or attempt.deadline < self.wake_at:
                self.cond.notify()

    def discard(self, attempt: _Attempt) -> None:
        with self.cond:
            self.attempts.discard(attempt)

    def _run(self) -> None:
        with self.cond:
            while True:
                now = time.monotonic()
                wake_at = None
                for attempt in self.attempts:
                    if attempt.deadline <= now:
                        attempt.expired = True
                        if not attempt.aborted:
                            attempt.aborted = _abort(attempt)
                    if not attempt.expired:
                        wake_at = attempt.deadline if wake_at is None else min(wake_at, attempt.deadline)
                    elif not attempt.aborted:  # still connecting: look again shortly
                        soon = now + EXPIRED_POLL_SECONDS
                        wake_at = soon if wake_at is None else min(wake_at, soon)
                self.wake_at = wake_at
                self.cond.wait(None if wake_at is None else max(0.0, wake_at - now))


def _abort(attempt: _Attempt) -> bool:
    sock = getattr(attempt.connection, "sock", None)
    if sock is None:
        return False
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    return True


_watchdog = _Watchdog()
_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()


def http_pool() -> urllib3.PoolManager:
    """This process's client: urllib3's PoolManager with keep-alive connections and no retries of
    its own (the outbox schedules retries)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            pool = urllib3.PoolManager(num_pools=4, maxsize=POOL_MAXSIZE, block=False, retries=False)
            pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
            _pool = pool
        return _pool


@contextlib.contextmanager
def attempt_deadline(seconds: float) -> Iterator[_Attempt]:
    """Runs the block's request under a total time limit; `.expired` says afterwards whether the
    limit cut it short."""
    attempt = _Attempt(time.monotonic() + seconds)
    _watchdog.add(attempt)
    _local.attempt = attempt
    try:
        yield attempt
    finally:
        _local.attempt = None
        _watchdog.discard(attempt)
        if attempt.aborted and attempt.connection is not None:
            attempt.connection.close()  # shut down under the reader: not to be reused


def _after_fork_in_child() -> None:
    global _pool, _watchdog, _pool_lock
    _pool, _watchdog, _pool_lock = None, _Watchdog(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
