"""Claiming due events for one delivery attempt each."""

from datetime import datetime

from django.utils import timezone

from ..models import OutboxEvent


def events_claim(queryset, *, size: int, due_by: datetime | None = None) -> list[OutboxEvent]:
    """Locks up to `size` due PENDING rows of `queryset`, skipping rows another transaction holds.

    The row locks are held for the whole attempt, HTTP included. That is the simplest way to make
    sure two workers never send one event at once, and a worker that dies mid-POST loses its
    connection, so PostgreSQL aborts its transaction, releases the rows and the sweep sends them
    again (the batch's earlier ones too: at least once). The price is one open transaction and
    connection per batch in flight, bounded by `sweeping.BATCH_SECONDS` plus one attempt's connect
    + read timeouts; it never touches order rows."""
    return list(
        queryset.select_for_update(skip_locked=True).filter(
            status=OutboxEvent.Status.PENDING, next_attempt_at__lte=due_by or timezone.now()
        )[:size]
    )
