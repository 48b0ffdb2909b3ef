"""Fulfilment moves forward only: NONE → PREPARING → SHIPPED → DELIVERED (staff API and service);
each step emits `order.fulfilment`; a shipped order cannot be cancelled."""

import pytest

from balances.models import LedgerEntry
from dataplatform.models import OutboxEvent
from orders.fulfilment import fulfilment_advance
from orders.models import Order
from orders.services import order_cancel, order_place
from tests.support.api import assert_problem
from tests.support.builders import balance_of, make_address, make_product, snapshot

pytestmark = pytest.mark.django_db
SHIP = {"status": "SHIPPED", "carrier": "CJ대한통운", "trackingNumber": "6543-2109-8765"}


@pytest.fixture
def order(shopper):
    make_address(shopper)
    return order_place(user_id=shopper.pk, lines=[(make_product(price=3_000).pk, 2)])


def url(order) -> str:
    return f"/api/orders/{order.pk}/fulfilment"


def row(order) -> tuple:
    return tuple(
        Order.objects.filter(pk=order.pk)
        .values_list("status", "fulfilment_status", "carrier", "tracking_number", "shipped_at", "delivered_at")
        .get()
    )


def test_staff_move_an_order_forward_and_each_step_is_an_event(client_for, staff, order):
    client = client_for(staff)

    preparing = client.post(url(order), {"status": "PREPARING"}, format="json")
    shipped = client.post(url(order), SHIP, format="json")
    delivered = client.post(url(order), {"status": "DELIVERED", "carrier": None}, format="json")

    assert preparing.status_code == shipped.status_code == delivered.status_code == 200
    assert preparing.json()["fulfilment"] == {
        "status": "PREPARING",
        "carrier": None,
        "trackingNumber": None,
        "shippedAt": None,
        "deliveredAt": None,
    }
    f = delivered.json()["fulfilment"]
    assert (f["status"], f["carrier"], f["trackingNumber"]) == ("DELIVERED", "CJ대한통운", "6543-2109-8765")
    assert f["shippedAt"] == shipped.json()["fulfilment"]["shippedAt"] and f["deliveredAt"] is not None
    assert delivered.json()["status"] == "PAID"
    assert delivered.json()["shippingAddress"]["recipient"] == "김사과"
    events = OutboxEvent.objects.filter(aggregate_id=order.pk, event_type="order.fulfilment").order_by("id")
    assert [e.payload["order"] for e in events] == [preparing.json(), shipped.json(), delivered.json()]
    assert {e.payload["type"] for e in events} == {"order.fulfilment"}
    assert client.get(f"/api/orders/{order.pk}").json() == delivered.json()


def test_shipping_may_skip_preparing(client_for, staff, order):
    response = client_for(staff).post(url(order), SHIP, format="json")
    assert response.status_code == 200 and response.json()["fulfilment"]["status"] == "SHIPPED"


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ([], "NONE"),  # a repeat of where it starts
        ([], "DELIVERED"),  # not shipped yet
        (["PREPARING"], "PREPARING"),  # a repeat
        (["PREPARING"], "NONE"),  # backwards
        (["PREPARING"], "DELIVERED"),
        (["SHIPPED"], "SHIPPED"),
        (["SHIPPED"], "PREPARING"),
        (["SHIPPED"], "NONE"),
        (["SHIPPED", "DELIVERED"], "DELIVERED"),
        (["SHIPPED", "DELIVERED"], "SHIPPED"),
        (["SHIPPED", "DELIVERED"], "PREPARING"),
        (["SHIPPED", "DELIVERED"], "NONE"),
    ],
)
def test_every_illegal_step_is_refused_and_nothing_is_written(client_for, staff, order, path, step):
    for earlier in path:
        fulfilment_advance(order_id=order.pk, status=earlier, carrier="한진택배", tracking_number="123456789012")
    before, events = row(order), OutboxEvent.objects.count()

    body = {"status": step} | ({"carrier": "롯데택배", "trackingNumber": "999988887777"} if step == "SHIPPED" else {})
    response = client_for(staff).post(url(order), body, format="json")

    assert_problem(response, 409, "INVALID_FULFILMENT", "처리할 수 없는 배송 상태")
    assert row(order) == before
    assert OutboxEvent.objects.count() == events


@pytest.mark.parametrize("step", ["PREPARING", "SHIPPED", "DELIVERED"])
def test_no_step_on_a_cancelled_order(client_for, staff, shopper, order, step):
    order_cancel(order_id=order.pk, actor=shopper)
    before, events = row(order), OutboxEvent.objects.count()
    response = client_for(staff).post(url(order), {**SHIP, "status": step}, format="json")
    assert_problem(response, 409, "INVALID_FULFILMENT")
    assert row(order) == before and OutboxEvent.objects.count() == events


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"status": "SHIPPED"}, ["carrier", "trackingNumber"]),
        ({"status": "SHIPPED", "carrier": "CJ대한통운"}, ["trackingNumber"]),
        ({"status": "SHIPPED", "carrier": "  ", "trackingNumber": "123456789"}, ["carrier"]),
        ({"status": "SHIPPED", "carrier": "CJ대한통운", "trackingNumber": "12 34"}, ["trackingNumber"]),
        ({"status": "SHIPPED", "carrier": "CJ대한통운", "trackingNumber": 123456789}, ["trackingNumber"]),
        ({"status": "SHIPPED", "carrier": "가" * 51, "trackingNumber": "123456789"}, ["carrier"]),
        ({"status": "LOST"}, ["status"]),
        ({"status": None}, ["status"]),
        ({}, ["status"]),
    ],
)
def test_bad_bodies_are_invalid_requests_and_nothing_is_written(client_for, staff, order, payload, fields):
    before, events = row(order), OutboxEvent.objects.count()
    body = assert_problem(client_for(staff).post(url(order), payload, format="json"), 400, "INVALID_REQUEST")
    assert [e["field"] for e in body["errors"]] == fields
    assert row(order) == before and OutboxEvent.objects.count() == events


def test_staff_only_and_unknown_orders(client_for, api, shopper, staff, order):
    assert_problem(client_for(shopper).post(url(order), {"status": "PREPARING"}, format="json"), 403, "FORBIDDEN")
    assert_problem(api.post(url(order), {"status": "PREPARING"}, format="json"), 401, "UNAUTHENTICATED")
    missing = client_for(staff).post("/api/orders/987654321/fulfilment", {"status": "PREPARING"}, format="json")
    assert_problem(missing, 404, "ORDER_NOT_FOUND")
    assert row(order)[1] == "NONE"


def test_a_preparing_order_can_still_be_cancelled(client_for, shopper, order):
    fulfilment_advance(order_id=order.pk, status="PREPARING")
    response = client_for(shopper).post(f"/api/orders/{order.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
    assert balance_of(shopper) == 100_000


@pytest.mark.parametrize("path", [["SHIPPED"], ["SHIPPED", "DELIVERED"]])
def test_a_shipped_order_cannot_be_cancelled_by_anyone(client_for, shopper, staff, order, path):
    for step in path:
        fulfilment_advance(order_id=order.pk, status=step, carrier="우체국택배", tracking_number="6892012345678")
    product = Order.objects.get(pk=order.pk).lines.get().product
    before = snapshot(users=[shopper], products=[product])

    for who in (shopper, staff):
        response = client_for(who).post(f"/api/orders/{order.pk}/cancel")
        assert_problem(response, 409, "ORDER_NOT_CANCELLABLE", "취소할 수 없는 주문")

    assert snapshot(users=[shopper], products=[product]) == before
    assert not LedgerEntry.objects.filter(type="REFUND").exists()
    assert row(order)[0] == "PAID"


def test_a_cancelled_order_still_answers_a_second_cancel_as_before(client_for, shopper, order):
    client = client_for(shopper)
    first = client.post(f"/api/orders/{order.pk}/cancel")
    again = client.post(f"/api/orders/{order.pk}/cancel")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()


def test_the_database_holds_the_rules(order):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():  # shipped without a tracking number
        Order.objects.filter(pk=order.pk).update(fulfilment_status="SHIPPED")
    fulfilment_advance(order_id=order.pk, status="SHIPPED", carrier="CJ대한통운", tracking_number="1234567890")
    with pytest.raises(IntegrityError), transaction.atomic():  # a shipped order cancelled
        Order.objects.filter(pk=order.pk).update(status="CANCELLED", cancelled_at=order.created_at)
