"""Delivery of order events to the data platform through a transactional outbox.

Flow: `event_emit` writes an `OutboxEvent` inside the caller's transaction and, once that commits,
kicks delivery (`outbox_kick`): unless a kick is already pending, it publishes the Celery task
`deliver_due`, which delivers every due event (`outbox_deliver_due`). Rows are claimed in batches,
POSTed one by one and their outcomes recorded in the claiming transaction (`_claim`,
`_attempt_all`); a failed attempt is retried with backoff by `deliver_event`, and the beat sweep
finds whatever a lost task, a down broker or a killed worker left behind. Delivery is at least
once: the receiver drops duplicates by the `Idempotency-Key` (the event id), which never changes
between attempts.
"""

import hashlib
import hmac
import json
import logging
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.fields import DateTimeField

from core.db import insert

from .models import OutboxEvent

logger = logging.getLogger(__name__)

DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"

# Seconds a purchase may wait for the broker before we give up and leave the event to the sweep.
PUBLISH_CONNECT_TIMEOUT = 0.5
SPOOL_FILE_NAME = "events.jsonl"
MAX_ERROR_LENGTH = 2000
MAX_RETRY_AFTER_SECONDS = 3600
# A failed attempt is re-queued with a countdown only while the backoff is short, so early
# retries are prompt; longer waits are left to the sweep, so the broker never holds hours of
# delayed messages (with Redis they sit unacknowledged in the worker). Either way the schedule
# itself lives in `next_attempt_at`, and a task that fires early or twice is a no-op.
REQUEUE_MAX_DELAY_SECONDS = 60.0
# Raw Redis key (no cache prefix) on the cache's server: set while a `deliver_due` task is pending.
KICK_KEY = "dataplatform:kick"
# Rows claimed per transaction by the sweep and the kicked task, and how long one batch goes on
# taking new rows before it commits what it has.
CLAIM_BATCH = 50
BATCH_SECONDS = 2.0


def event_body(payload: dict) -> bytes:
    """The canonical bytes of an event: compact, keys sorted, UTF-8. A function of the payload
    alone, so the stored event, every attempt and the signature all agree byte for byte."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_signature(body: bytes) -> str:
    digest = hmac.new(settings.DATA_PLATFORM_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def event_emit(*, event_type: str, aggregate_id: int, order: dict, occurred_at: datetime) -> OutboxEvent:
    """Writes the outbox row for `order` in the caller's transaction (one INSERT) and, after that
    transaction commits, publishes its delivery. Call it inside the transaction that makes the
    change: the event then exists exactly when the change does. Publishing never blocks nor fails
    the caller: a broker that is down only delays delivery until the next sweep."""
    if event_type not in OutboxEvent.EventType.values:
        raise ValueError(f"unknown event type {event_type!r}")
    event_id = uuid.uuid4()
    body = {
        "eventId": str(event_id),
        "type": event_type,
        "occurredAt": DateTimeField().to_representation(occurred_at),
        "order": order,
    }
    # Stored as it will be sent: dates, UUIDs and the like become their JSON strings now.
    payload = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    event = OutboxEvent(
        event_id=event_id,
        event_type=event_type,
        aggregate_id=aggregate_id,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    insert(event)
    transaction.on_commit(outbox_kick, robust=True)
    return event


def outbox_kick() -> bool:
    """Makes sure a `deliver_due` task is on its way; called after every commit that wrote events.

    A publish costs about half a millisecond of the purchase's CPU, and a task run a few more in
    the worker, so a burst of commits shares one task: `SET NX` of KICK_KEY says whether one is
    pending, and only the commit that set it publishes (to run DATA_PLATFORM_KICK_DELAY_SECONDS
    later). The task clears the key *before* it claims rows (`outbox_deliver_due`), so a commit
    that found the key set committed before that clear, and the task's claims see its row. The key
    expires (DATA_PLATFORM_KICK_TTL_SECONDS) in case its task is lost; the sweep delivers meanwhile.
    With Redis unreachable every commit publishes. Never raises; returns whether a task is pending.
    """
    try:
        ttl_ms = max(1, int(settings.DATA_PLATFORM_KICK_TTL_SECONDS * 1000))
        if not get_redis_connection("default").set(KICK_KEY, "1", nx=True, px=ttl_ms):
            return True  # a task is pending and has not yet started claiming
    except RedisError:
        logger.warning("could not check the delivery kick; publishing anyway", exc_info=True)
    from .tasks import deliver_due

    # The task waits a moment before it runs, so that the orders committed meanwhile ride along:
    # under a steady stream of orders each task then delivers a batch instead of an event or two.
    delay = settings.DATA_PLATFORM_KICK_DELAY_SECONDS or None
    if _publish(deliver_due, (), countdown=delay, description="the kicked delivery"):
        return True
    _kick_clear()  # the next commit tries to publish again
    return False


def outbox_deliver_due() -> dict[str, int]:
    """The kicked task's work: clears the kick first (any commit from now on publishes a new task),
    then delivers everything due, like the sweep. A run that stops with rows left kicks again."""
    _kick_clear()
    counts, more = _deliver_due(limit=settings.DATA_PLATFORM_SWEEP_BATCH, time_budget_seconds=25.0)
    if more:
        outbox_kick()
    return counts


def _kick_clear() -> None:
    try:
        get_redis_connection("default").delete(KICK_KEY)
    except RedisError:
        logger.warning("could not clear the delivery kick; it expires by itself", exc_info=True)


def event_deliver(*, event_pk: int) -> str:
    """One delivery attempt of a due PENDING event. Returns `delivered`, `retry` (scheduled again
    with backoff, and re-queued if that is soon), `failed` (retry budget spent) or `skipped` (not
    due, already delivered, or being delivered by someone else right now)."""
    with transaction.atomic():
        claimed = _claim(OutboxEvent.objects.filter(pk=event_pk), size=1)
        if not claimed:
            return SKIPPED
        [(event, outcome)] = _attempt_all(claimed)
    if outcome == RETRY:
        _requeue_if_soon(event)
    return outcome


def outbox_sweep(*, limit: int | None = None, time_budget_seconds: float = 25.0) -> dict[str, int]:
    """Delivers due PENDING events, oldest due first, until none is left, `limit` rows were tried
    or the time budget is spent. Safe to run concurrently: rows are claimed with FOR UPDATE SKIP
    LOCKED, so two sweepers (or a sweeper and a task) never send one row at once."""
    limit = settings.DATA_PLATFORM_SWEEP_BATCH if limit is None else limit
    return _deliver_due(limit=limit, time_budget_seconds=time_budget_seconds)[0]


def _deliver_due(*, limit: int, time_budget_seconds: float) -> tuple[dict[str, int], bool]:
    """The loop of the sweep and of the kicked task: (counts, whether it stopped with rows left).

    Rows are claimed CLAIM_BATCH at a time (one SELECT … FOR UPDATE SKIP LOCKED) and their outcomes
    written in that transaction, the delivered ones in one UPDATE: a claim, an update and a commit
    per row cost about three times the CPU of the POST or spool write itself. A batch stops taking
    new rows after BATCH_SECONDS (a slow receiver); the rows it did not try stay PENDING and due."""
    counts = {DELIVERED: 0, RETRY: 0, FAILED: 0}
    deadline = time.monotonic() + time_budget_seconds
    # Only what was due when the loop began: a row that fails now is rescheduled after this
    # moment, so one run tries each row at most once however short its backoff.
    due_by = timezone.now()
    tried = 0
    while tried < limit:
        if time.monotonic() >= deadline:
            return counts, True
        with transaction.atomic():
            batch = _claim(
                OutboxEvent.objects.order_by("next_attempt_at", "pk"),
                due_by=due_by,
                size=min(CLAIM_BATCH, limit - tried),
            )
            if not batch:
                return counts, False
            outcomes = _attempt_all(batch, stop_at=min(deadline, time.monotonic() + BATCH_SECONDS))
        for event, outcome in outcomes:
            counts[outcome] += 1
            if outcome == RETRY:
                _requeue_if_soon(event)
        tried += len(outcomes)
    return counts, True


def _requeue_if_soon(event: OutboxEvent) -> None:
    delay = (event.next_attempt_at - timezone.now()).total_seconds()
    if delay <= REQUEUE_MAX_DELAY_SECONDS:
        # a few ms late rather than early, so the claim finds the row due
        event_enqueue(event_pk=event.pk, countdown=max(0.0, delay) + 0.05)


def event_retry_now(*, event_pk: int) -> bool:
    """Makes a PENDING or FAILED event due now and publishes its delivery (staff's "retry now").
    A FAILED event gets one more attempt; if that fails too it is FAILED again. Returns False when
    the event was already delivered."""
    with transaction.atomic():
        updated = OutboxEvent.objects.filter(
            pk=event_pk, status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED]
        ).update(status=OutboxEvent.Status.PENDING, next_attempt_at=timezone.now())
        if updated:
            transaction.on_commit(lambda: event_enqueue(event_pk=event_pk), robust=True)
    return bool(updated)


# --- claiming and attempting -----------------------------------------------------------------


def _claim(queryset, *, size: int, due_by: datetime | None = None) -> list[OutboxEvent]:
    # The row locks are held for the whole attempt, HTTP included. That is the simplest way to make
    # sure two workers never send one event at once, and a worker that dies mid-POST loses its
    # connection, so PostgreSQL aborts its transaction, releases the rows and the sweep sends them
    # again (the batch's earlier ones too: at least once). The price is one open transaction and
    # connection per batch in flight, bounded by BATCH_SECONDS plus one attempt's connect + read
    # timeouts; it never touches order rows.
    return list(
        queryset.select_for_update(skip_locked=True).filter(
            status=OutboxEvent.Status.PENDING, next_attempt_at__lte=due_by or timezone.now()
        )[:size]
    )


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    error: str = ""
    retry_after: float | None = None


def _attempt_all(events: list[OutboxEvent], *, stop_at: float | None = None) -> list[tuple[OutboxEvent, str]]:
    """Attempts the claimed `events` in order until `stop_at` (time.monotonic()) and records every
    outcome in the caller's transaction: the delivered ones in one UPDATE, each other one in its
    own. Returns (event, outcome) for the events tried; the rest are left as they were."""
    tried = []
    for event in events:
        if tried and stop_at is not None and time.monotonic() >= stop_at:
            break
        tried.append((event, _attempt(event)))
    delivered = [event for event, outcome in tried if outcome == DELIVERED]
    if delivered:
        now = timezone.now()
        OutboxEvent.objects.filter(pk__in=[event.pk for event in delivered]).update(
            status=OutboxEvent.Status.DELIVERED, delivered_at=now, last_error="", attempts=F("attempts") + 1
        )
        for event in delivered:  # the objects as their rows now are
            event.status, event.delivered_at, event.last_error = OutboxEvent.Status.DELIVERED, now, ""
            event.attempts += 1
    for event, outcome in tried:
        if outcome != DELIVERED:
            event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    return tried


def _attempt(event: OutboxEvent) -> str:
    """One POST (or spool write). A failure is recorded on `event` (attempts, last error, next
    attempt or FAILED) for the caller to save; a success is left to the caller's bulk UPDATE."""
    body = event_body(event.payload)
    outcome = _post(event, body) if settings.DATA_PLATFORM_URL else _spool(body)
    if outcome.ok:
        return DELIVERED
    now = timezone.now()
    event.attempts += 1  # the row is ours: claimed FOR UPDATE in this transaction
    event.last_error = outcome.error[:MAX_ERROR_LENGTH]
    if now - event.created_at >= timedelta(hours=settings.DATA_PLATFORM_RETRY_BUDGET_HOURS):
        event.status = OutboxEvent.Status.FAILED
        logger.error(
            "data platform event %s FAILED after %s attempts: %s", event.event_id, event.attempts, outcome.error
        )
        return FAILED
    event.next_attempt_at = now + timedelta(seconds=_retry_delay(event.attempts, outcome.retry_after))
    logger.warning("data platform event %s attempt %s failed: %s", event.event_id, event.attempts, outcome.error)
    return RETRY


def _retry_delay(attempts: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter (AWS architecture blog), raised to the receiver's
    Retry-After when it asks for more."""
    base = settings.DATA_PLATFORM_BACKOFF_BASE_SECONDS
    cap = settings.DATA_PLATFORM_BACKOFF_CAP_SECONDS
    delay = random.uniform(0, min(cap, base * 2 ** min(attempts - 1, 32)))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def _post(event: OutboxEvent, body: bytes) -> _Outcome:
    url = urlsplit(settings.DATA_PLATFORM_URL)
    if url.scheme not in {"http", "https"} or not url.hostname:
        return _Outcome(ok=False, error=f"DATA_PLATFORM_URL is not an http(s) URL: {settings.DATA_PLATFORM_URL!r}")
    connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=settings.DATA_PLATFORM_CONNECT_TIMEOUT)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(event.event_id),
        "X-Event-Type": event.event_type,
        "X-Signature": event_signature(body),
    }
    try:
        connection.connect()
        connection.sock.settimeout(settings.DATA_PLATFORM_READ_TIMEOUT)
        connection.request("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""), body, headers)
        response = connection.getresponse()
        reply = response.read(500).decode("utf-8", "replace")
    except (OSError, HTTPException) as exc:
        return _Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return _Outcome(ok=True)
    return _Outcome(
        ok=False,
        error=f"HTTP {response.status}: {reply}".strip(),
        retry_after=_parse_retry_after(response.getheader("Retry-After")),
    )


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def _spool(body: bytes) -> _Outcome:
    """No DATA_PLATFORM_URL: a local run appends each event as one JSON line instead."""
    directory = Path(settings.DATA_PLATFORM_SPOOL_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # One write() of the whole line to a file opened for appending: lines never interleave.
        with open(directory / SPOOL_FILE_NAME, "ab") as spool:
            spool.write(body + b"\n")
    except OSError as exc:
        return _Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    return _Outcome(ok=True)


# --- publishing --------------------------------------------------------------------------------

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


def event_enqueue(*, event_pk: int, countdown: float | None = None) -> bool:
    """Queues `deliver_event(event_pk)`; on any broker trouble only logs (the sweep will find the
    PENDING row). Returns whether the task was queued."""
    from .tasks import deliver_event

    return _publish(deliver_event, (event_pk,), countdown=countdown, description=f"outbox event {event_pk}")


def _publish(task, args: tuple, *, countdown: float | None = None, description: str) -> bool:
    try:
        with _publish_pool(task.app, settings.CELERY_BROKER_URL).acquire(
            block=True, timeout=PUBLISH_CONNECT_TIMEOUT
        ) as conn:
            try:
                task.apply_async(args, countdown=countdown, connection=conn, retry=False)
            except Exception:
                conn.collect()  # back to the pool without whatever the failure left: the next use connects afresh
                raise
    except Exception:
        logger.warning("could not queue delivery of %s; the sweep will send it", description, exc_info=True)
        return False
    return True
