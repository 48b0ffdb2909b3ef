"""Delivering what is due: the beat sweep, the kicked task, one event's retry and staff's
"retry now"."""

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import OutboxEvent
from .attempting import DELIVERED, FAILED, RETRY, SKIPPED, events_attempt
from .claiming import events_claim
from .publishing import event_enqueue, kick_clear, outbox_kick

# A failed attempt is re-queued with a countdown only while the backoff is short, so early
# retries are prompt; longer waits are left to the sweep, so the broker never holds hours of
# delayed messages (with Redis they sit unacknowledged in the worker). Either way the schedule
# itself lives in `next_attempt_at`, and a task that fires early or twice is a no-op.
REQUEUE_MAX_DELAY_SECONDS = 60.0
# Rows claimed per transaction by the sweep and the kicked task, and how long one batch goes on
# taking new rows before it commits what it has.
CLAIM_BATCH = 50
BATCH_SECONDS = 2.0


def outbox_deliver_due() -> dict[str, int]:
    """The kicked task's work: clears the kick first (any commit from now on publishes a new task),
    then delivers everything due, like the sweep. A run that stops with rows left kicks again."""
    kick_clear()
    counts, more = _deliver_due(limit=settings.DATA_PLATFORM_SWEEP_BATCH, time_budget_seconds=25.0)
    if more:
        outbox_kick()
    return counts


def outbox_sweep(*, limit: int | None = None, time_budget_seconds: float = 25.0) -> dict[str, int]:
    """Delivers due PENDING events, oldest due first, until none is left, `limit` rows were tried
    or the time budget is spent. Safe to run concurrently: rows are claimed with FOR UPDATE SKIP
    LOCKED, so two sweepers (or a sweeper and a task) never send one row at once."""
    limit = settings.DATA_PLATFORM_SWEEP_BATCH if limit is None else limit
    return _deliver_due(limit=limit, time_budget_seconds=time_budget_seconds)[0]


def event_deliver(*, event_pk: int) -> str:
    """One delivery attempt of a due PENDING event. Returns `delivered`, `retry` (scheduled again
    with backoff, and re-queued if that is soon), `failed` (retry budget spent) or `skipped` (not
    due, already delivered, or being delivered by someone else right now)."""
    claimed = events_claim(OutboxEvent.objects.filter(pk=event_pk), size=1)
    if not claimed:
        return SKIPPED
    [(event, outcome)] = events_attempt(claimed)
    if outcome == RETRY:
        _requeue_if_soon(event)
    return outcome


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


def _deliver_due(*, limit: int, time_budget_seconds: float) -> tuple[dict[str, int], bool]:
    """The loop of the sweep and of the kicked task: (counts, whether it stopped with rows left).

    Rows are claimed CLAIM_BATCH at a time (one SELECT … FOR UPDATE SKIP LOCKED) and their outcomes
    written in that transaction, the delivered ones in one UPDATE, so the per-row bookkeeping does
    not outweigh the delivery itself (docs/benchmarks.md #27). A batch stops taking new rows after
    BATCH_SECONDS (a slow receiver); the rows it did not try stay PENDING and due."""
    counts = {DELIVERED: 0, RETRY: 0, FAILED: 0}
    deadline = time.monotonic() + time_budget_seconds
    # Only what was due when the loop began: a row that fails now is rescheduled after this
    # moment, so one run tries each row at most once however short its backoff.
    due_by = timezone.now()
    tried = 0
    while tried < limit:
        if time.monotonic() >= deadline:
            return counts, True
        batch = events_claim(
            OutboxEvent.objects.order_by("next_attempt_at", "pk"),
            due_by=due_by,
            size=min(CLAIM_BATCH, limit - tried),
        )
        if not batch:
            return counts, False
        outcomes = events_attempt(batch, stop_at=min(deadline, time.monotonic() + BATCH_SECONDS))
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
