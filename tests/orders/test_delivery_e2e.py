"""An order through the API reaches the data platform: the real Celery worker posts the event to a
real local receiver, signed, with the order exactly as the API answered it."""

import hashlib
import hmac
import json

import pytest

from dataplatform.models import OutboxEvent
from tests.support.builders import fund, make_product
from tests.support.concurrency import wait_for
from tests.support.receivers import SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def test_paid_and_cancelled_orders_are_delivered_signed(dp_settings, receiver, celery_worker, client_for, user):  # noqa: F811
    fund(user, 50_000)
    product = make_product(price=9_900, stock=3, name="캠핑 의자")
    client = client_for(user)

    placed = client.post(
        "/api/orders", {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 2}]}, format="json"
    ).json()
    cancelled = client.post(f"/api/orders/{placed['orderId']}/cancel").json()

    wait_for(lambda: OutboxEvent.objects.filter(aggregate_id=placed["orderId"], status="DELIVERED").count() == 2)
    events = {}
    for request in receiver.received:
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["X-Signature"], f"sha256={expected}")
        body = json.loads(request.body)
        assert request.headers["Idempotency-Key"] == body["eventId"]
        assert request.headers["X-Event-Type"] == body["type"]
        events[body["type"]] = body
    assert events["order.paid"]["order"] == placed
    assert events["order.cancelled"]["order"] == cancelled
