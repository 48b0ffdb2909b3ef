"""Thin Celery wrappers: ids in, one service call, idempotent. The services send these by the
names in `services.publishing` and never import this module."""

from celery import shared_task

from . import retention
from .services import publishing, sweeping


@shared_task(name=publishing.DELIVER_DUE, ignore_result=True)
def deliver_due() -> dict:
    """Published after commits that wrote events, one for a burst (see `publishing.outbox_kick`):
    delivers every due event."""
    return sweeping.outbox_deliver_due()


@shared_task(name=publishing.DELIVER_EVENT, ignore_result=True)
def deliver_event(event_pk: int) -> str:
    """One event's retry (or staff's "retry now"). Idempotent: an event that is delivered, failed,
    not yet due or being sent elsewhere is skipped. No Celery autoretry; the backoff is the outbox
    row's, and a retry that is soon is re-queued by the service."""
    return sweeping.event_deliver(event_pk=event_pk)


@shared_task(name=publishing.SWEEP_OUTBOX, ignore_result=True)
def sweep_outbox() -> dict:
    """Celery beat, every 30 s: delivers whatever is due and still PENDING (a lost task, a broker
    that was down, a worker killed mid-delivery, or a retry whose backoff outgrew re-queueing)."""
    return sweeping.outbox_sweep()


@shared_task(name="dataplatform.purge_delivered_outbox", ignore_result=True)
def purge_delivered_outbox() -> int:
    """Beat, daily: deletes events delivered more than OUTBOX_RETENTION_DAYS ago."""
    return retention.outbox_delivered_purge()
