"""How long delivered outbox events are kept: OUTBOX_RETENTION_DAYS after delivery (the admin's
view of recent deliveries, and a window to answer the data platform's questions); PENDING and
FAILED events are never deleted here, they are work or evidence.

Deleted in batches of primary keys so that no statement holds many row locks or runs long while
orders keep writing new events."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import OutboxEvent

PURGE_BATCH = 5_000


def outbox_delivered_purge(*, now=None, batch: int = PURGE_BATCH) -> int:
    """Deletes DELIVERED events delivered more than OUTBOX_RETENTION_DAYS ago; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = OutboxEvent.objects.filter(status=OutboxEvent.Status.DELIVERED, delivered_at__lt=cutoff)
    total = 0
    while True:
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        deleted, _ = OutboxEvent.objects.filter(pk__in=ids, status=OutboxEvent.Status.DELIVERED).delete()
        total += deleted
