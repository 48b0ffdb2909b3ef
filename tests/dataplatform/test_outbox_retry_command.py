"""`manage.py outbox_retry` (dataplatform.services.recovering): after an outage, waiting events are due now and
delivered without waiting out their backoff; FAILED ones only when asked."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from dataplatform.models import OutboxEvent
from dataplatform.services.emitting import event_emit
from tests.support.builders import order_body
from tests.support.concurrency import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def place_order() -> OutboxEvent:
    order = order_body()
    with transaction.atomic(durable=True):
        return event_emit(
            event_type="order.paid", aggregate_id=order["orderId"], order=order, occurred_at=timezone.now()
        )


def status_of(event: OutboxEvent) -> str:
    event.refresh_from_db()
    return event.status


def _backed_off(event: OutboxEvent, *, status: str = "PENDING") -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=status, attempts=5, next_attempt_at=timezone.now() + timedelta(minutes=10)
    )


def test_backed_off_events_are_delivered_now_and_failed_ones_stay_failed(dp_settings, receiver, celery_worker, capsys):
    waiting, failed, delivered = place_order(), place_order(), place_order()
    wait_for(lambda: status_of(delivered) == "DELIVERED" and len(receiver.keys()) == 3)
    receiver.received.clear()
    _backed_off(waiting)
    _backed_off(failed, status="FAILED")
    OutboxEvent.objects.filter(pk=delivered.pk).update(status="DELIVERED")

    call_command("outbox_retry")

    assert "1 PENDING event(s) made due now" in capsys.readouterr().out
    wait_for(lambda: status_of(waiting) == "DELIVERED")
    assert receiver.keys() == [str(waiting.event_id)]
    assert status_of(failed) == "FAILED"


def test_with_failed_a_failed_event_gets_one_more_attempt(dp_settings, receiver, celery_worker, capsys):
    failed = place_order()
    wait_for(lambda: status_of(failed) == "DELIVERED")
    receiver.received.clear()
    _backed_off(failed, status="FAILED")

    call_command("outbox_retry", "--failed")

    assert "1 PENDING and FAILED event(s) made due now" in capsys.readouterr().out
    wait_for(lambda: status_of(failed) == "DELIVERED")
    assert receiver.keys() == [str(failed.event_id)]


def test_nothing_waiting_kicks_nothing(dp_settings, capsys):
    call_command("outbox_retry", "--failed")
    assert "0 PENDING and FAILED event(s) made due now" in capsys.readouterr().out
