"""The outbox's gauges for /metrics (core/metrics.py), read at scrape time: the backlog by status
and how long the oldest undelivered event has waited."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from core import metrics

from .models import OutboxEvent

PENDING, FAILED = OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED


def outbox_events() -> dict[tuple[str, ...], float]:
    # One query for both statuses; both indexes are partial, so it stays as small as the backlog.
    backlog = OutboxEvent.objects.filter(status__in=[PENDING, FAILED]).aggregate(
        pending=Count("pk", filter=Q(status=PENDING)), failed=Count("pk", filter=Q(status=FAILED))
    )
    return {(PENDING.value,): backlog["pending"], (FAILED.value,): backlog["failed"]}


def outbox_oldest_pending_seconds() -> float:
    oldest = OutboxEvent.objects.filter(status=PENDING).aggregate(oldest=Min("created_at"))["oldest"]
    return 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())


def register() -> None:
    metrics.register_gauge(
        "shop_outbox_events", "Outbox events not delivered, by status (PENDING, FAILED)", ["status"], outbox_events
    )
    metrics.register_gauge(
        "shop_outbox_oldest_pending_seconds",
        "Age of the oldest PENDING outbox event (0 when none)",
        [],
        outbox_oldest_pending_seconds,
    )
