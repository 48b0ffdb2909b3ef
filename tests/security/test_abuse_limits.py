"""Per-user throttles of the domain's write endpoints, with tiny rates so three requests tell:
the first ones go through, the next is 429 RATE_LIMITED problem json with Retry-After, and the
refused request wrote nothing. Another user is not limited by the first one's requests.

Elsewhere: charge (tests/balances/test_api.py::test_charge_is_rate_limited), coupon issue at its
real 5/second rate (tests/coupons/test_api.py::test_issue_is_throttled_per_user), signup / token /
refresh (tests/security/test_hardening.py), login brute force (tests/accounts/test_login_guard.py).

DRF's ScopedRateThrottle copies DEFAULT_THROTTLE_RATES into a class attribute at import, so the
tests set their rates on that dict."""

import pytest
import time_machine
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from balances.models import LedgerEntry
from coupons.models import UserCoupon
from orders.models import Order
from products.models import Product
from tests.support.api import assert_problem
from tests.support.builders import balance_of, fund, make_drop, make_product

pytestmark = pytest.mark.django_db


def _place(client, user, product):
    body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": 1}]}
    return client.post("/api/orders", body, format="json")


def _assert_rate_limited(response) -> None:
    body = assert_problem(response, 429, "RATE_LIMITED", "요청이 너무 많음")
    assert int(response["Retry-After"]) >= 1
    assert body["retryAfter"] > 0


def test_order_placement_is_rate_limited_per_user(monkeypatch, client_for, user, other_user):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "order", "2/minute")
    product = make_product(price=1_000, stock=10)
    fund(user, 10_000)
    fund(other_user, 10_000)
    client = client_for(user)

    assert [_place(client, user, product).status_code for _ in range(2)] == [201, 201]
    _assert_rate_limited(_place(client, user, product))

    assert Order.objects.filter(user=user).count() == 2
    assert balance_of(user) == 8_000
    assert Product.objects.get(pk=product.pk).stock == 8
    assert _place(client_for(other_user), other_user, product).status_code == 201  # per user


def test_order_cancel_counts_against_the_same_limit(monkeypatch, client_for, user):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "order", "2/minute")
    product = make_product(price=1_000, stock=10)
    fund(user, 10_000)
    client = client_for(user)
    first, _ = (_place(client, user, product).json()["orderId"] for _ in range(2))

    _assert_rate_limited(client.post(f"/api/orders/{first}/cancel"))

    assert set(Order.objects.values_list("status", flat=True)) == {"PAID"}
    assert balance_of(user) == 8_000
    assert not LedgerEntry.objects.filter(type="REFUND").exists()


def test_coupon_issue_is_rate_limited(monkeypatch, client_for, user, other_user):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "coupon_issue", "2/minute")
    drops = [make_drop(name=f"쿠폰 {n}", total_quantity=5) for n in range(3)]
    client = client_for(user)

    # frozen time keeps all three requests in one window
    with time_machine.travel(timezone.now(), tick=False):
        codes = [
            client.post("/api/coupon/issue", {"userId": user.pk, "couponId": d.pk}, format="json").status_code
            for d in drops[:2]
        ]
        refused = client.post("/api/coupon/issue", {"userId": user.pk, "couponId": drops[2].pk}, format="json")
        other = client_for(other_user).post(
            "/api/coupon/issue", {"userId": other_user.pk, "couponId": drops[2].pk}, format="json"
        )

    assert codes == [201, 201]
    _assert_rate_limited(refused)
    assert sorted(UserCoupon.objects.filter(user=user).values_list("coupon_id", flat=True)) == [
        drops[0].pk,
        drops[1].pk,
    ]
    assert other.status_code == 201  # per user
    remaining = client_for(user).get("/api/coupons").json()["items"]
    assert {item["couponId"]: item["remainingQuantity"] for item in remaining}[drops[2].pk] == 4
