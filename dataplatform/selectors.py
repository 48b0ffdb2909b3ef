from django.db.models import Count, Min

from .models import OutboxEvent


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count()


def outbox_failed_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.FAILED).count()


def outbox_health() -> dict:
    """`{pending, failed, oldest_pending_at}` for the admin's operations view: two queries, each
    bounded by a partial index (the backlog, the failures), never a scan of delivered rows."""
    pending = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).aggregate(
        pending=Count("id"), oldest_pending_at=Min("created_at")
    )
    return {**pending, "failed": outbox_failed_count()}
