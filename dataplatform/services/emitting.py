"""Writing an event into the outbox, in the transaction of the change it reports."""

import json
import uuid
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from rest_framework.fields import DateTimeField

from core.middleware import current_request_id

from ..models import OutboxEvent
from .publishing import outbox_kick


def event_emit(*, event_type: str, aggregate_id: int, order: dict, occurred_at: datetime) -> OutboxEvent:
    """Writes the outbox row for `order` in the caller's transaction (one INSERT) and, after that
    transaction commits, publishes its delivery. Call it inside the transaction that makes the
    change: the event then exists exactly when the change does. Publishing never blocks nor fails
    the caller: a broker that is down only delays delivery until the next sweep."""
    if event_type not in OutboxEvent.EventType.values:
        raise ValueError(f"unknown event type {event_type!r}")
    event_id = uuid.uuid4()
    body = {
        "eventId": str(event_id),
        "type": event_type,
        "occurredAt": DateTimeField().to_representation(occurred_at),
        "order": order,
    }
    # Stored as it will be sent: dates, UUIDs and the like become their JSON strings now.
    payload = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    event = OutboxEvent.objects.create(
        event_id=event_id,
        event_type=event_type,
        aggregate_id=aggregate_id,
        payload=payload,
        next_attempt_at=timezone.now(),
        request_id="" if current_request_id() == "-" else current_request_id(),
    )
    transaction.on_commit(outbox_kick, robust=True)
    return event
