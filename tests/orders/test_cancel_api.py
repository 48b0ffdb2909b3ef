from datetime import timedelta

import pytest

from balances.models import LedgerEntry
from dataplatform.models import OutboxEvent
from products.models import Product
from tests.support.api import assert_problem
from tests.support.builders import balance_of, issue_coupon, make_drop, make_product, snapshot

pytestmark = pytest.mark.django_db


def order(client, user, lines, coupon_id=None):
    body = {
        "userId": user.pk,
        "products": [{"productId": p.pk, "quantity": q} for p, q in lines],
        "couponId": coupon_id,
    }
    response = client.post("/api/orders", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_cancel_restores_everything_and_a_second_cancel_changes_nothing(client_for, shopper):
    a = make_product(price=4_000, stock=10)
    b = make_product(price=1_000, stock=10)
    drop = make_drop(discount_value=500)
    issue_coupon(shopper, drop)
    before = snapshot(users=[shopper], products=[a, b], drops=[drop])
    client = client_for(shopper)
    placed = order(client, shopper, [(a, 2), (b, 1)], coupon_id=drop.pk)
    assert snapshot(users=[shopper], products=[a, b], drops=[drop])["top"] != before["top"]

    cancelled = client.post(f"/api/orders/{placed['orderId']}/cancel")

    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "CANCELLED" and body["cancelledAt"] is not None
    assert {k: v for k, v in body.items() if k not in ("status", "cancelledAt")} == {
        k: v for k, v in placed.items() if k not in ("status", "cancelledAt")
    }
    after = snapshot(users=[shopper], products=[a, b], drops=[drop])
    assert after["balances"] == before["balances"]
    assert after["stock"] == before["stock"]
    assert [status for _, status, _ in after["coupons"]] == ["AVAILABLE"]
    assert after["top"] == before["top"]
    refund = LedgerEntry.objects.get(user_id=shopper.pk, type="REFUND")
    assert (refund.amount, refund.order_id) == (8_500, placed["orderId"])
    event = OutboxEvent.objects.get(aggregate_id=placed["orderId"], event_type="order.cancelled")
    assert event.payload["order"] == body

    again = client.post(f"/api/orders/{placed['orderId']}/cancel")
    assert again.status_code == 200 and again.json() == body
    assert LedgerEntry.objects.filter(user_id=shopper.pk, type="REFUND").count() == 1
    assert OutboxEvent.objects.filter(aggregate_id=placed["orderId"]).count() == 2
    assert balance_of(shopper) == 100_000


def test_an_expired_coupon_is_not_given_back(client_for, shopper, time_machine):
    product = make_product(price=10_000, stock=5)
    drop = make_drop(valid_days=1)
    issue_coupon(shopper, drop)
    placed = order(client_for(shopper), shopper, [(product, 1)], coupon_id=drop.pk)

    time_machine.move_to(placed_time(placed) + timedelta(days=2))
    response = client_for(shopper).post(f"/api/orders/{placed['orderId']}/cancel")

    assert response.status_code == 200
    coupons = client_for(shopper).get(f"/api/coupon/users/{shopper.pk}").json()["items"]
    assert [c["status"] for c in coupons] == ["USED"]
    assert balance_of(shopper) == 100_000
    assert Product.objects.get(pk=product.pk).stock == 5


def placed_time(body):
    from datetime import datetime

    return datetime.fromisoformat(body["createdAt"])


def test_staff_may_cancel_anyones_order(client_for, shopper, staff):
    product = make_product(price=1_000)
    placed = order(client_for(shopper), shopper, [(product, 1)])
    response = client_for(staff).post(f"/api/orders/{placed['orderId']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
    assert balance_of(shopper) == 100_000


def test_cancel_of_unknown_order(client_for, shopper):
    assert_problem(client_for(shopper).post("/api/orders/424242/cancel"), 404, "ORDER_NOT_FOUND")
