"""Read replicas: which reads may leave the primary, and read-your-writes pins (SPEC §13).

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and `ReplicaRouter`. Nothing
goes to the replica by default: a read does only inside `replica_reads(...)`, which the catalog,
best-seller, drop-list and history selectors open. Money, stock, coupon and queue decisions never
open it, and nothing inside a transaction leaves the primary, so every decision reads the truth.

A replica lags its primary, so a write pins the reads it affects to the primary for
`REPLICA_PIN_SECONDS`: a shopper's own write (charge, order, cancel, coupon issue, signup) pins
their history reads, and a catalog edit pins catalog reads (else a cache refill could read the
replica from before the edit and keep serving a deactivated product). Pins live in Redis, so every
web node honours them; when Redis cannot say, the read stays on the primary.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django_redis import get_redis_connection
from redis.exceptions import RedisError

REPLICA = "replica"
CATALOG = "catalog"

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _pin_key(scope: str) -> str:
    return f"replica:pin:{scope}"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def _pinned(scope: str) -> bool:
    try:
        return bool(get_redis_connection("default").exists(_pin_key(scope)))
    except RedisError:
        return True  # cannot tell whether a recent write is still replicating: read the primary


def pin_primary(scope: str) -> None:
    """After the current transaction commits (at once outside one), reads of `scope` come from the
    primary for REPLICA_PIN_SECONDS. A no-op without a replica."""
    if not replica_configured():
        return

    def pin() -> None:
        # readers that cannot reach Redis read the primary anyway (`_pinned`)
        with contextlib.suppress(RedisError):
            get_redis_connection("default").set(_pin_key(scope), 1, ex=settings.REPLICA_PIN_SECONDS)

    transaction.on_commit(pin)


def pin_user(user_id: int) -> None:
    pin_primary(user_scope(user_id))


@contextmanager
def replica_reads(scope: str) -> Iterator[None]:
    """Reads of `scope` inside this block may be served by the replica, unless it is pinned."""
    if not replica_configured() or _reading_replica.get() or _pinned(scope):
        yield
        return
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def catalog_read(selector: Callable) -> Callable:
    """A catalog selector (products, best sellers, drops, coupon drops): the replica may answer."""

    @functools.wraps(selector)
    def read(*args, **kwargs):
        with replica_reads(CATALOG):
            return selector(*args, **kwargs)

    return read


def history_read(selector: Callable) -> Callable:
    """A selector of one shopper's history, called with `user_id=`: the replica may answer unless
    that shopper wrote something in the last REPLICA_PIN_SECONDS."""

    @functools.wraps(selector)
    def read(*args, user_id: int, **kwargs):
        with replica_reads(user_scope(user_id)):
            return selector(*args, user_id=user_id, **kwargs)

    return read


class ReplicaRouter:
    """Routes the reads inside `replica_reads` to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied: rows from either side are the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
