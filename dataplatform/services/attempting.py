"""One delivery attempt per claimed event, its outcome recorded in the claiming transaction."""

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

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
    """Attempts the claimed `events` in order until `stop_at` (time.monotonic()) and records every
    outcome in the caller's transaction: the delivered ones in one UPDATE, each other one in its
    own. Returns (event, outcome) for the events tried; the rest are left as they were."""
    tried = []
    for event in events:
        if tried and stop_at is not None and time.monotonic() >= stop_at:
            break
        tried.append((event, _attempt(event)))
    delivered = [event for event, outcome in tried if outcome == DELIVERED]
    if delivered:
        now = timezone.now()
        OutboxEvent.objects.filter(pk__in=[event.pk for event in delivered]).update(
            status=OutboxEvent.Status.DELIVERED, delivered_at=now, last_error="", attempts=F("attempts") + 1
        )
        for event in delivered:  # the objects as their rows now are
            event.status, event.delivered_at, event.last_error = OutboxEvent.Status.DELIVERED, now, ""
            event.attempts += 1
    for event, outcome in tried:
        if outcome != DELIVERED:
            event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    return tried


def _attempt(event: OutboxEvent) -> str:
    """One POST (or spool write). A failure is recorded on `event` (attempts, last error, next
    attempt or FAILED) for the caller to save; a success is left to the caller's bulk UPDATE."""
    body = event_body(event.payload)
    outcome = event_post(event, body) if settings.DATA_PLATFORM_URL else event_spool(body)
    if outcome.ok:
        return DELIVERED
    now = timezone.now()
    event.attempts += 1  # the row is ours: claimed FOR UPDATE in this transaction
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
