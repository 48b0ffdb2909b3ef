"""Starting delivery after a commit: the kick shared by a burst of commits, and queueing one
event's retry. Tasks are sent by name through the Celery app, so this package never imports
`dataplatform.tasks` (which imports it)."""

import logging
import os
import threading

from celery import current_app
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The names `dataplatform.tasks` registers its tasks under.
DELIVER_DUE = "dataplatform.tasks.deliver_due"
DELIVER_EVENT = "dataplatform.tasks.deliver_event"
SWEEP_OUTBOX = "dataplatform.tasks.sweep_outbox"

# Seconds a purchase may wait for the broker before we give up and leave the event to the sweep.
PUBLISH_CONNECT_TIMEOUT = 0.5
# Raw Redis key (no cache prefix) on the cache's server: set while a `deliver_due` task is pending.
KICK_KEY = "dataplatform:kick"


def outbox_kick() -> bool:
    """Makes sure a `deliver_due` task is on its way; called after every commit that wrote events.

    A burst of commits shares one task, because a publish per order is a cost the purchase path
    should not pay (docs/benchmarks.md #24): `SET NX` of KICK_KEY says whether one is pending, and
    only the commit that set it publishes (to run DATA_PLATFORM_KICK_DELAY_SECONDS later). The task
    clears the key *before* it claims rows (`sweeping.outbox_deliver_due`), so a commit that found
    the key set committed before that clear, and the task's claims see its row. The key expires
    (DATA_PLATFORM_KICK_TTL_SECONDS) in case its task is lost; the sweep delivers meanwhile.
    With Redis unreachable every commit publishes. Never raises; returns whether a task is pending.
    """
    try:
        ttl_ms = max(1, int(settings.DATA_PLATFORM_KICK_TTL_SECONDS * 1000))
        if not get_redis_connection("default").set(KICK_KEY, "1", nx=True, px=ttl_ms):
            return True  # a task is pending and has not yet started claiming
    except RedisError:
        logger.warning("could not check the delivery kick; publishing anyway", exc_info=True)
    # The task waits a moment before it runs, so that the orders committed meanwhile ride along:
    # under a steady stream of orders each task then delivers a batch instead of an event or two.
    delay = settings.DATA_PLATFORM_KICK_DELAY_SECONDS or None
    if _publish(DELIVER_DUE, (), countdown=delay, description="the kicked delivery"):
        return True
    kick_clear()  # the next commit tries to publish again
    return False


def kick_clear() -> None:
    try:
        get_redis_connection("default").delete(KICK_KEY)
    except RedisError:
        logger.warning("could not clear the delivery kick; it expires by itself", exc_info=True)


def event_enqueue(*, event_pk: int, countdown: float | None = None) -> bool:
    """Queues `deliver_event(event_pk)`; on any broker trouble only logs (the sweep will find the
    PENDING row). Returns whether the task was queued."""
    return _publish(DELIVER_EVENT, (event_pk,), countdown=countdown, description=f"outbox event {event_pk}")


_publish_pools: dict = {}
_publish_pools_lock = threading.Lock()


def _publish_pool(app, broker_url: str):
    # Celery's own publisher retries the broker connection for several seconds (and its producer
    # pool cannot be told otherwise per call). A purchase must not wait for that, so delivery
    # tasks go out through pooled connections that give up at once; the sweep catches up.
    with _publish_pools_lock:
        pool = _publish_pools.get(broker_url)
        if pool is None:
            connection = app.connection_for_write(
                broker_url, connect_timeout=PUBLISH_CONNECT_TIMEOUT, transport_options={"max_retries": 0}
            )
            pool = _publish_pools[broker_url] = connection.Pool(limit=app.conf.broker_pool_limit)
        return pool


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_publish_pools.clear)


def _publish(task_name: str, args: tuple, *, countdown: float | None = None, description: str) -> bool:
    app = current_app
    try:
        with _publish_pool(app, settings.CELERY_BROKER_URL).acquire(
            block=True, timeout=PUBLISH_CONNECT_TIMEOUT
        ) as conn:
            try:
                app.send_task(task_name, args, countdown=countdown, connection=conn, retry=False)
            except Exception:
                conn.collect()  # back to the pool without whatever the failure left: the next use connects afresh
                raise
    except Exception:
        logger.warning("could not queue delivery of %s; the sweep will send it", description, exc_info=True)
        return False
    return True
