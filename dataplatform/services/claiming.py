"""Claiming due events for delivery: a lease, taken in a short transaction of its own."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import OutboxEvent


def events_claim(queryset, *, size: int, due_by: datetime | None = None) -> list[OutboxEvent]:
    """Leases up to `size` due PENDING rows of `queryset` that nobody else holds, and returns them
    with their lease (`leased_until`). The claim is its own short transaction: no row lock and no
    transaction stay open while the events are POSTed, however slow the receiver.

    A lease is the right to attempt the row until `leased_until`; whoever records an outcome does
    so only while the lease is still theirs (`attempting`). A worker that dies mid-POST leaves its
    lease to run out (DATA_PLATFORM_LEASE_SECONDS), and then the sweep sends the rows again (the
    batch's earlier ones too, if their outcome was not recorded yet: at least once). Leases are
    longer than a batch can run (sweeping.BATCH_SECONDS plus one attempt's total timeout), so a
    live worker's rows never lapse to another."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.DATA_PLATFORM_LEASE_SECONDS)
    with transaction.atomic():
        # SKIP LOCKED: two claimers at the same moment take different rows, neither waits.
        events = list(
            queryset.select_for_update(skip_locked=True)
            .filter(status=OutboxEvent.Status.PENDING, next_attempt_at__lte=due_by or now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))[:size]
        )
        if events:
            OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(leased_until=lease)
    for event in events:
        event.leased_until = lease
    return events
