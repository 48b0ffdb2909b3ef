"""One delivery attempt per claimed event, its outcome recorded in the claiming transaction."""

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.middleware import bind_request_id, unbind_request_id

from ..models import OutboxEvent
from .posting import event_post, event_spool
from .signing import event_body

logger = logging.getLogger(__name__)

DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"

MAX_ERROR_LENGTH = 2000
MAX_RETRY_AFTER_SECONDS = 3600


def events_attempt(events: list[OutboxEvent], *, stop_at: float | None = None) -> list[tuple[OutboxEvent, str]]:
    """Attempts the leased `events` (`claiming.events_claim`) in order until `stop_at`
    (time.monotonic()), outside any transaction, then records every outcome in one short
    transaction: the delivered ones in one UPDATE, each other one in its own, and the untried ones'
    leases given back. Returns (event, outcome) for the events tried."""
    tried: list[tuple[OutboxEvent, str]] = []
    for event in events:
        if tried and stop_at is not None and time.monotonic() >= stop_at:
            break
        # The event's own request id (the request that made it) on its POST and its log lines.
        token = bind_request_id(event.request_id) if event.request_id else None
        try:
            tried.append((event, _attempt(event)))
        finally:
            if token is not None:
                unbind_request_id(token)
    _record(tried, untried=events[len(tried) :])
    return tried


def _record(tried: list[tuple[OutboxEvent, str]], *, untried: list[OutboxEvent]) -> None:
    now = timezone.now()
    delivered = [event for event, outcome in tried if outcome == DELIVERED]
    with transaction.atomic():
        if delivered:
            # Delivered is true whoever holds the lease now, so only the status guards this one;
            # a failure below is recorded only under the lease it was attempted with.
            OutboxEvent.objects.filter(
                pk__in=[event.pk for event in delivered], status=OutboxEvent.Status.PENDING
            ).update(
                status=OutboxEvent.Status.DELIVERED,
                delivered_at=now,
                last_error="",
                attempts=F("attempts") + 1,
                leased_until=None,
            )
        for event, outcome in tried:
            if outcome == DELIVERED:
                continue
            recorded = OutboxEvent.objects.filter(
                pk=event.pk, status=OutboxEvent.Status.PENDING, leased_until=event.leased_until
            ).update(
                status=event.status,
                attempts=event.attempts,
                last_error=event.last_error,
                next_attempt_at=event.next_attempt_at,
                leased_until=None,
            )
            if not recorded:
                logger.warning("data platform event %s: lease lost, outcome %s not recorded", event.event_id, outcome)
        if untried:
            OutboxEvent.objects.filter(
                pk__in=[event.pk for event in untried], leased_until=untried[0].leased_until
            ).update(leased_until=None)
    for event in delivered:  # the objects as their rows now are
        event.status, event.delivered_at, event.last_error = OutboxEvent.Status.DELIVERED, now, ""
        event.attempts += 1
    for event, _outcome in tried:
        event.leased_until = None


def _attempt(event: OutboxEvent) -> str:
    """One POST (or spool write). A failure is recorded on `event` (attempts, last error, next
    attempt or FAILED) for the caller to save; a success is left to the caller's bulk UPDATE."""
    body = event_body(event.payload)
    outcome = event_post(event, body) if settings.DATA_PLATFORM_URL else event_spool(body)
    if outcome.ok:
        logger.info("data platform event %s delivered", event.event_id)
        return DELIVERED
    now = timezone.now()
    event.attempts += 1  # the row is ours while its lease lasts (recorded only under that lease)
    event.last_error = outcome.error[:MAX_ERROR_LENGTH]
    if now - event.created_at >= timedelta(hours=settings.DATA_PLATFORM_RETRY_BUDGET_HOURS):
        event.status = OutboxEvent.Status.FAILED
        logger.error(
            "data platform event %s FAILED after %s attempts: %s", event.event_id, event.attempts, outcome.error
        )
        return FAILED
    event.next_attempt_at = now + timedelta(seconds=retry_delay(event.attempts, outcome.retry_after))
    logger.warning("data platform event %s attempt %s failed: %s", event.event_id, event.attempts, outcome.error)
    return RETRY


def retry_delay(attempts: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter (AWS architecture blog), raised to the receiver's
    Retry-After when it asks for more."""
    base = settings.DATA_PLATFORM_BACKOFF_BASE_SECONDS
    cap = settings.DATA_PLATFORM_BACKOFF_CAP_SECONDS
    delay = random.uniform(0, min(cap, base * 2 ** min(attempts - 1, 32)))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay
