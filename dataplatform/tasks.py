from celery import shared_task
from django.utils import timezone

from . import selectors, services

# A failed attempt is re-queued with a countdown only while the backoff is short, so early
# retries are prompt; longer waits are left to the sweep, so the broker never holds hours of
# delayed messages (with Redis they sit unacknowledged in the worker). Either way the schedule
# itself lives in `next_attempt_at`, and a task that fires early or twice is a no-op.
REQUEUE_MAX_DELAY_SECONDS = 60.0


@shared_task(ignore_result=True)
def deliver_event(event_pk: int) -> str:
    """Idempotent: an event that is delivered, failed, not yet due or being sent elsewhere is
    skipped. No Celery autoretry; the backoff is the outbox row's."""
    outcome = services.event_deliver(event_pk=event_pk)
    if outcome == services.RETRY:
        next_attempt_at = selectors.event_next_attempt_at(event_pk=event_pk)
        if next_attempt_at is not None:
            delay = max(0.0, (next_attempt_at - timezone.now()).total_seconds())
            if delay <= REQUEUE_MAX_DELAY_SECONDS:
                # a few ms late rather than early, so the claim finds the row due
                services.event_enqueue(event_pk=event_pk, countdown=delay + 0.05)
    return outcome


@shared_task(ignore_result=True)
def sweep_outbox() -> dict:
    """Celery beat, every 30 s: delivers whatever is due and still PENDING (a lost task, a broker
    that was down, a worker killed mid-delivery, or a retry whose backoff outgrew re-queueing)."""
    return services.outbox_sweep()
