"""Failure drills for the shop's own paths, on real engines: the PostgreSQL backend serving an order
is really terminated mid-transaction (`db_killer`, tests/support/db_killer.py), Redis and the
broker are really unreachable (a closed local port), the data platform is a real local HTTP
receiver (tests/support/receivers.py).

Already drilled elsewhere, not repeated here: signup with the connection lost
(tests/security/test_failure_drills.py), the cache down for the catalog API and pages
(tests/products/test_cache_down.py), coupon issue failing closed with the cache down
(tests/coupons/test_api.py::test_issue_fails_closed_with_503_when_redis_is_down), ready naming
redis (tests/core/test_health.py), an outbox event emitted with the broker down and the sweep
delivering it (tests/dataplatform/test_services.py, tests/dataplatform/test_delivery.py)."""

import json

import pytest
from django.db import connection
from django.test import Client

from dataplatform.models import OutboxEvent
from dataplatform.services import attempting
from dataplatform.tasks import sweep_outbox
from orders.models import Order
from orders.services import order_place
from tests.support.api import assert_problem
from tests.support.builders import balance_of, fund, issue_coupon, make_address, make_drop, make_product, snapshot
from tests.support.network import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cart(user):
    """A shopper with 50,000원, a 3,000원 coupon and two products to buy (2 × 12,000 + 5,000)."""
    fund(user, 50_000)
    chair = make_product(name="캠핑 의자", price=12_000, stock=5)
    lamp = make_product(name="캠핑 랜턴", price=5_000, stock=3)
    drop = make_drop(name="드릴 쿠폰", discount_value=3_000)
    issue_coupon(user, drop)
    body = {
        "userId": user.pk,
        "products": [{"productId": chair.pk, "quantity": 2}, {"productId": lamp.pk, "quantity": 1}],
        "couponId": drop.pk,
    }
    return {"user": user, "products": [chair, lamp], "drop": drop, "body": body, "paid": 29_000 - 3_000}


def _state(cart) -> dict:
    return snapshot(users=[cart["user"]], products=cart["products"], drops=[cart["drop"]])


# --- (a) PostgreSQL connection lost in the middle of placing an order ---------------------------

# Statements of one POST /api/orders, in the order they run (prices are read before the
# transaction; the rest is inside it, the stock update last before COMMIT).
KILL_POINTS = [
    "SELECT id, name, price, stock, sale_starts_at",  # the products read (with their drop columns)
    "SELECT amount FROM balances_balance",
    'INSERT INTO "orders_order"',
    'UPDATE "coupons_usercoupon"',
    "UPDATE balances_balance",  # the debit
    'INSERT INTO "balances_ledgerentry"',  # its ledger row
    'INSERT INTO "dataplatform_outboxevent"',
    "WITH taken AS (UPDATE products_product",  # the stock and the best-seller count: one statement
]


@pytest.mark.parametrize("statement", KILL_POINTS)
def test_connection_lost_mid_order_is_503_and_nothing_is_written(cart, client_for, db_killer, statement):
    client = client_for(cart["user"])
    before = _state(cart)

    with db_killer.on_sql(statement):
        response = client.post("/api/orders", cart["body"], format="json", HTTP_IDEMPOTENCY_KEY="drill-1")

    body = assert_problem(response, 503, "SERVICE_UNAVAILABLE", "일시적으로 사용할 수 없음")
    assert "데이터베이스" in body["detail"]
    connection.close()
    assert _state(cart) == before  # stock, balance, ledger, coupon, orders, outbox, best sellers

    # The client does what a 503 invites: the same request again, with the same key. It is placed
    # exactly once, and a further retry is a replay.
    retry = client.post("/api/orders", cart["body"], format="json", HTTP_IDEMPOTENCY_KEY="drill-1")
    assert retry.status_code == 201, retry.content[:300]
    assert retry.json()["paidAmount"] == cart["paid"]
    again = client.post("/api/orders", cart["body"], format="json", HTTP_IDEMPOTENCY_KEY="drill-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert balance_of(cart["user"]) == 50_000 - cart["paid"]
    assert OutboxEvent.objects.count() == 1


def test_connection_lost_mid_cancel_is_503_and_nothing_is_refunded(cart, client_for, db_killer):
    client = client_for(cart["user"])
    order_id = client.post("/api/orders", cart["body"], format="json").json()["orderId"]
    before = _state(cart)

    with db_killer.on_sql('INSERT INTO "balances_ledgerentry"'):  # the refund's ledger row, after the refund
        response = client.post(f"/api/orders/{order_id}/cancel")

    assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    connection.close()
    assert _state(cart) == before
    assert Order.objects.get(pk=order_id).status == "PAID"
    # and cancelling again works, once
    assert client.post(f"/api/orders/{order_id}/cancel").json()["status"] == "CANCELLED"
    assert balance_of(cart["user"]) == 50_000


def test_connection_lost_at_the_storefront_checkout_writes_nothing_and_keeps_the_cart(cart, db_killer):
    browser = Client(raise_request_exception=False)
    browser.force_login(cart["user"])
    for product in cart["products"]:
        browser.post("/orders/cart/add/", {"product_id": product.pk, "quantity": 1})
    home = make_address(cart["user"])
    nonce = browser.get("/orders/checkout/").context["nonce"]
    before = _state(cart)

    with db_killer.on_sql('INSERT INTO "orders_order"'):
        response = browser.post("/orders/checkout/", {"nonce": nonce, "coupon": cart["drop"].pk, "address": home.pk})

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "일시적으로 사용할 수 없습니다" in response.content.decode()
    connection.close()
    assert _state(cart) == before
    cart_page = browser.get("/orders/cart/").content.decode()
    assert "캠핑 의자" in cart_page and "캠핑 랜턴" in cart_page


# --- (b) Redis down: the cache (and the coupon gate in it) and the broker -----------------------


@pytest.fixture
def redis_down(redis_down, settings):
    """The cache down (tests/support/fixtures.py), and the broker with it."""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"


def test_redis_down_the_catalog_answers_from_the_database(cart, redis_down, api, client):
    chair, lamp = cart["products"]
    order_place(user_id=cart["user"].pk, lines=[(chair.pk, 2)])  # with Redis down, too
    listed = api.get("/api/products", {"keyword": "캠핑", "size": 10})
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [chair.pk, lamp.pk]
    detail = api.get(f"/api/products/{chair.pk}")
    assert detail.status_code == 200 and detail.json()["stock"] == 3
    top = api.get("/api/products/top")
    assert top.status_code == 200
    assert [(i["productId"], i["soldQuantity"]) for i in top.json()["items"]] == [(chair.pk, 2)]
    assert "캠핑 의자" in client.get("/products/?keyword=캠핑").content.decode()
    assert client.get(f"/products/{chair.pk}/").status_code == 200


def test_redis_down_coupon_issue_is_503_and_writes_nothing(cart, redis_down, client_for, other_user, client):
    drop = cart["drop"]
    drop.refresh_from_db()
    before = (drop.issued_count, list(drop.user_coupons.values_list("user_id", flat=True)))

    response = client_for(other_user).post(
        "/api/coupon/issue", {"userId": other_user.pk, "couponId": drop.pk}, format="json"
    )

    assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    drop.refresh_from_db()
    assert (drop.issued_count, list(drop.user_coupons.values_list("user_id", flat=True))) == before
    # the storefront's 받기 button says so in Korean, and writes nothing either
    client.force_login(other_user)
    page = client.post(f"/coupons/{drop.pk}/issue/", follow=True)
    assert "지금은 쿠폰을 발급할 수 없습니다" in page.content.decode()
    assert not drop.user_coupons.filter(user=other_user).exists()


def test_redis_down_ready_reports_it(redis_down, api):
    body = assert_problem(api.get("/api/health/ready"), 503, "SERVICE_UNAVAILABLE")
    assert body["failed"] == ["redis"]
    assert body["checks"]["postgres"] == "ok"


def test_redis_down_an_order_is_still_placed_and_its_event_waits(cart, redis_down, dp_settings, client_for):  # noqa: F811
    dp_settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # dp_settings is the same settings
    response = client_for(cart["user"]).post("/api/orders", cart["body"], format="json")

    assert response.status_code == 201, response.content[:300]
    assert balance_of(cart["user"]) == 50_000 - cart["paid"]
    event = OutboxEvent.objects.get(aggregate_id=response.json()["orderId"])
    assert event.status == OutboxEvent.Status.PENDING and event.attempts == 0


# --- (c) the broker down when an order is placed; the sweep delivers it later -------------------


def test_broker_down_the_order_commits_and_the_sweep_delivers_it_later(cart, dp_settings, receiver, client_for):  # noqa: F811
    broker_url = dp_settings.CELERY_BROKER_URL
    dp_settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client_for(cart["user"]).post("/api/orders", cart["body"], format="json")

    # returned, committed, paid: the broker outage only left the event behind
    assert response.status_code == 201, response.content[:300]
    placed = response.json()
    order = Order.objects.get(pk=placed["orderId"])
    assert order.status == "PAID" and balance_of(cart["user"]) == 50_000 - cart["paid"]
    event = OutboxEvent.objects.get(aggregate_id=order.pk)
    assert (event.event_type, event.status, event.attempts) == ("order.paid", OutboxEvent.Status.PENDING, 0)
    assert receiver.received == []

    dp_settings.CELERY_BROKER_URL = broker_url  # the broker is back; beat's next sweep runs
    counts = sweep_outbox()

    assert counts[attempting.DELIVERED] == 1, counts
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED and event.attempts == 1
    assert receiver.keys() == [str(event.event_id)]
    sent = json.loads(receiver.received[0].body)
    assert sent["type"] == "order.paid"
    assert sent["order"] == placed  # the order exactly as the API answered it
