from .models import OutboxEvent


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count()


def outbox_failed_count() -> int:
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.FAILED).count()
