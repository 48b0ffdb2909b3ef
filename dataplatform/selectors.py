from datetime import datetime

from .models import OutboxEvent


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count()


def outbox_failed_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.FAILED).count()


def event_next_attempt_at(*, event_pk: int) -> datetime | None:
    """When a PENDING event is due next; None when it is not PENDING (delivered or failed)."""
    return (
        OutboxEvent.objects.filter(pk=event_pk, status=OutboxEvent.Status.PENDING)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
