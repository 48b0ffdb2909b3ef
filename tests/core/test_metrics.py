"""GET /metrics (API.md "Operations"): hidden without its token, and the business series move with
real orders and coupons, only once their transaction has committed."""

import threading

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from balances.services import balance_charge
from coupons.services.drops import coupon_drop_create
from dataplatform.models import OutboxEvent
from tests.support.factories import ProductFactory

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict:
    """{(name, frozenset(labels)): value} of one authorised scrape."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Token {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_answer_404_without_the_right_token(api, metrics_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = api.get("/metrics", **extra)
    assert response.status_code == 404
    # the site's own 404, the same as for a path that does not exist
    assert response.content == api.get("/no-such-page", **extra).content


@pytest.mark.django_db
def test_metrics_answer_404_when_no_token_is_configured(api, settings):
    settings.METRICS_TOKEN = ""
    assert api.get("/metrics").status_code == 404
    assert api.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_series_follow_real_orders_cancels_rejections_and_coupons(api, client_for, user, metrics_token):
    balance_charge(user_id=user.pk, amount=35_000)
    product = ProductFactory(price=10_000, stock=5)
    drop = coupon_drop_create(
        name="선착순",
        discount_type="FIXED",
        discount_value=1_000,
        max_discount_amount=None,
        min_order_amount=None,
        total_quantity=1,
        issue_starts_at=timezone.now(),
        issue_ends_at=None,
        valid_days=7,
    )
    shopper = client_for(user)
    before = scrape(api)

    def order(quantity, **extra):
        body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": quantity}], **extra}
        return shopper.post("/api/orders", body, format="json")

    first = order(1)
    assert first.status_code == 201
    assert order(2).status_code == 201
    assert order(9).json()["code"] == "OUT_OF_STOCK"
    assert order(2).json()["code"] == "INSUFFICIENT_BALANCE"  # 5,000 left
    assert shopper.post(f"/api/orders/{first.json()['orderId']}/cancel").status_code == 200
    assert shopper.post(f"/api/orders/{first.json()['orderId']}/cancel").status_code == 200  # changes nothing
    assert shopper.post("/api/coupon/issue", {"userId": user.pk, "couponId": drop.pk}, format="json").status_code == 201
    again = shopper.post("/api/coupon/issue", {"userId": user.pk, "couponId": drop.pk}, format="json")
    assert again.json()["code"] == "COUPON_ALREADY_ISSUED"
    missing = shopper.post("/api/coupon/issue", {"userId": user.pk, "couponId": 999_999}, format="json")
    assert missing.json()["code"] == "COUPON_NOT_FOUND"

    after = scrape(api)
    assert delta(before, after, "shop_orders_placed_total") == 2
    assert delta(before, after, "shop_order_paid_won_total") == 30_000
    assert delta(before, after, "shop_orders_cancelled_total") == 1
    assert delta(before, after, "shop_order_rejected_total", code="OUT_OF_STOCK") == 1
    assert delta(before, after, "shop_order_rejected_total", code="INSUFFICIENT_BALANCE") == 1
    assert delta(before, after, "shop_coupon_issue_total", result="issued") == 1
    assert delta(before, after, "shop_coupon_issue_total", result="coupon_already_issued") == 1
    assert delta(before, after, "shop_coupon_issue_total", result="coupon_not_found") == 1
    http = {"view": "api-orders", "method": "POST", "status": "201"}
    assert delta(before, after, "shop_http_requests_total", **http) == 2
    assert delta(before, after, "shop_http_request_duration_seconds_count", **http) == 2
    # the outbox gauges are read now: two order.paid and one order.cancelled, none delivered yet
    pending = OutboxEvent.objects.filter(status="PENDING").count()
    assert pending == 3
    assert value(after, "shop_outbox_events", status="PENDING") == pending
    assert value(after, "shop_outbox_events", status="FAILED") == 0
    assert value(after, "shop_outbox_oldest_pending_seconds") >= 0


@pytest.mark.django_db(transaction=True)
def test_rolled_back_orders_count_nothing_under_a_race(api, metrics_token):
    """Eight buyers race for three units: every order row is written, but five transactions roll
    back at the stock UPDATE (or the early check). Only the three commits are counted."""
    from tests.support.factories import UserFactory

    product = ProductFactory(price=1_000, stock=3)
    buyers = UserFactory.create_batch(8)
    for buyer in buyers:
        balance_charge(user_id=buyer.pk, amount=10_000)
    before = scrape(api)
    barrier = threading.Barrier(len(buyers))
    outcomes: list = []

    def buy(buyer):
        from orders.services import order_place

        barrier.wait()
        try:
            order_place(user_id=buyer.pk, lines=[(product.pk, 1)])
            outcomes.append("placed")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["OUT_OF_STOCK"] * 5 + ["placed"] * 3
    product.refresh_from_db()
    assert product.stock == 0
    after = scrape(api)
    assert delta(before, after, "shop_orders_placed_total") == 3
    assert delta(before, after, "shop_order_paid_won_total") == 3_000
    assert delta(before, after, "shop_order_rejected_total", code="OUT_OF_STOCK") == 5


@pytest.mark.django_db(transaction=True)
def test_an_order_whose_transaction_fails_after_the_insert_counts_nothing(api, user, metrics_token):
    """INSUFFICIENT_BALANCE is raised after the order row is inserted (and its count registered
    for the commit): the rollback takes the count with it."""
    from orders.models import Order
    from orders.services import order_place

    balance_charge(user_id=user.pk, amount=500)
    product = ProductFactory(price=1_000, stock=3)
    before = scrape(api)

    with pytest.raises(Exception) as raised:
        order_place(user_id=user.pk, lines=[(product.pk, 1)])

    assert raised.value.code == "INSUFFICIENT_BALANCE"
    assert not Order.objects.exists()
    after = scrape(api)
    assert delta(before, after, "shop_orders_placed_total") == 0
    assert delta(before, after, "shop_order_paid_won_total") == 0
    assert delta(before, after, "shop_order_rejected_total", code="INSUFFICIENT_BALANCE") == 1


@pytest.mark.django_db
def test_a_registered_gauge_is_read_at_scrape_time_and_a_failing_one_is_left_out(api, metrics_token):
    from core import metrics

    reads = []

    def remaining():
        reads.append(1)
        return {("7",): 12 - len(reads)}

    def broken():
        raise RuntimeError("database down")

    metrics.register_gauge("shop_test_remaining", "test gauge", ["product_id"], remaining)
    metrics.register_gauge("shop_test_broken", "test gauge", [], broken)
    try:
        first, second = scrape(api), scrape(api)
    finally:
        metrics._gauges.pop("shop_test_remaining")
        metrics._gauges.pop("shop_test_broken")
    assert value(first, "shop_test_remaining", product_id="7") == 11
    assert value(second, "shop_test_remaining", product_id="7") == 10
    assert not any(name == "shop_test_broken" for name, _ in second)
    assert ("shop_outbox_oldest_pending_seconds", frozenset()) in second  # the others still answered
