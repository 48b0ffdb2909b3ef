"""After an outage of the data platform (or of the worker, beat or broker): every waiting event
due now, without waiting out its backoff (docs/runbook.md). `manage.py outbox_retry` calls it."""

from django.db import transaction
from django.utils import timezone

from ..models import OutboxEvent
from .publishing import outbox_kick

PENDING, FAILED = OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED


def outbox_make_due(*, include_failed: bool = False) -> int:
    """Makes every PENDING event (and every FAILED one, if asked) due now in one UPDATE and kicks
    one delivery after the commit: the kicked task and the sweep then deliver them in batches,
    never one task per event. A FAILED event made PENDING gets one more attempt, as the admin's
    "retry now" gives it: its retry budget is spent, so a failed attempt makes it FAILED again.
    Returns how many events were made due."""
    statuses = [PENDING, FAILED] if include_failed else [PENDING]
    with transaction.atomic():
        count = OutboxEvent.objects.filter(status__in=statuses).update(status=PENDING, next_attempt_at=timezone.now())
        if count:
            transaction.on_commit(outbox_kick, robust=True)
    return count
