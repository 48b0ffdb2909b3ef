"""Ordering a timed drop: the window decided at the order's time, the per-customer limit, the
precedence of API.md, and nothing written by a refusal."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from orders.services import order_cancel, order_place
from products.models import Product
from tests.support.api import assert_problem
from tests.support.builders import fund, issue_coupon, make_address, make_drop, snapshot

pytestmark = pytest.mark.django_db


def make_timed(*, stock=10, price=1_000, limit=None, starts=None, ends=None) -> Product:
    return Product.objects.create(
        name="타임딜 상품",
        price=price,
        stock=stock,
        per_customer_limit=limit,
        sale_starts_at=starts,
        sale_ends_at=ends,
    )


def order(client, user, product, quantity=1, **extra):
    body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": quantity}], **extra}
    return client.post("/api/orders", body, format="json")


def test_the_window_is_decided_at_the_order_time(client_for, shopper, time_machine):
    # Minutes, not hours: the client's token must stay valid across the travels.
    start = timezone.now().replace(microsecond=0) + timedelta(seconds=60)
    drop = make_timed(starts=start, ends=start + timedelta(seconds=30))
    client = client_for(shopper)
    before = snapshot(users=[shopper], products=[drop])

    time_machine.move_to(start - timedelta(milliseconds=1), tick=False)
    problem = assert_problem(order(client, shopper, drop), 409, "SALE_NOT_STARTED", "판매 시작 전 상품")
    assert problem["productId"] == drop.pk
    assert snapshot(users=[shopper], products=[drop]) == before

    time_machine.move_to(start, tick=False)
    assert order(client, shopper, drop).status_code == 201
    time_machine.move_to(start + timedelta(seconds=29, microseconds=999_999), tick=False)
    assert order(client, shopper, drop).status_code == 201

    time_machine.move_to(start + timedelta(seconds=30), tick=False)
    after_two = snapshot(users=[shopper], products=[drop])
    problem = assert_problem(order(client, shopper, drop), 409, "SALE_ENDED", "판매 종료된 상품")
    assert problem["productId"] == drop.pk
    assert snapshot(users=[shopper], products=[drop]) == after_two


def test_the_stock_update_itself_refuses_a_closed_window():
    # An order that read the product while its window was open but reaches the stock UPDATE after
    # staff ended it (지금 종료): the UPDATE checks the window under the product's row lock.
    from products.errors import SaleEnded, SaleNotStarted
    from products.services import drop_end_now, stock_sell

    drop = make_timed(starts=timezone.now() - timedelta(minutes=1))
    drop_end_now(product_ids=[drop.pk])
    with pytest.raises(SaleEnded), transaction.atomic():
        stock_sell(quantities={drop.pk: 1}, sold_at=timezone.now())
    upcoming = make_timed(starts=timezone.now() + timedelta(minutes=1))
    with pytest.raises(SaleNotStarted), transaction.atomic():
        stock_sell(quantities={upcoming.pk: 1}, sold_at=timezone.now())
    assert Product.objects.get(pk=drop.pk).stock == Product.objects.get(pk=upcoming.pk).stock == 10


def test_limit_counts_paid_units_and_a_cancel_gives_them_back(client_for, shopper):
    drop = make_timed(limit=1, starts=timezone.now() - timedelta(minutes=1))
    client = client_for(shopper)
    first = order(client, shopper, drop)
    assert first.status_code == 201
    problem = assert_problem(order(client, shopper, drop), 409, "PURCHASE_LIMIT_EXCEEDED", "구매 한도 초과")
    assert problem["productId"] == drop.pk
    order_cancel(order_id=first.json()["orderId"], actor=shopper)
    assert order(client, shopper, drop).status_code == 201


def test_one_order_of_quantity_two_against_limit_one_is_refused(client_for, shopper):
    drop = make_timed(limit=1)
    before = snapshot(users=[shopper], products=[drop])
    assert_problem(order(client_for(shopper), shopper, drop, quantity=2), 409, "PURCHASE_LIMIT_EXCEEDED")
    assert snapshot(users=[shopper], products=[drop]) == before


def test_limit_three_takes_three_units_in_any_split(client_for, shopper):
    drop = make_timed(limit=3)
    client = client_for(shopper)
    assert order(client, shopper, drop, quantity=2).status_code == 201
    assert_problem(order(client, shopper, drop, quantity=2), 409, "PURCHASE_LIMIT_EXCEEDED")
    assert order(client, shopper, drop, quantity=1).status_code == 201
    assert_problem(order(client, shopper, drop, quantity=1), 409, "PURCHASE_LIMIT_EXCEEDED")


def test_precedence_upcoming_before_a_bad_coupon(client_for, shopper):
    upcoming = make_timed(starts=timezone.now() + timedelta(hours=1))
    plain = make_timed()
    body = {
        "userId": shopper.pk,
        "products": [{"productId": plain.pk, "quantity": 1}, {"productId": upcoming.pk, "quantity": 1}],
        "couponId": 999_999,
    }
    problem = assert_problem(client_for(shopper).post("/api/orders", body, format="json"), 409, "SALE_NOT_STARTED")
    assert problem["productId"] == upcoming.pk


def test_precedence_not_started_before_ended(client_for, shopper):
    now = timezone.now()
    ended = make_timed(starts=now - timedelta(hours=2), ends=now - timedelta(hours=1))
    upcoming = make_timed(starts=now + timedelta(hours=1))
    body = {"userId": shopper.pk, "products": [{"productId": p.pk, "quantity": 1} for p in (ended, upcoming)]}
    problem = assert_problem(client_for(shopper).post("/api/orders", body, format="json"), 409, "SALE_NOT_STARTED")
    assert problem["productId"] == upcoming.pk


def test_precedence_limit_before_coupon_stock_and_balance(client_for, user):
    fund(user, 1_000)  # enough for one
    drop = make_timed(limit=1, price=1_000, stock=1)
    client = client_for(user)
    assert order(client, user, drop).status_code == 201  # now: over the limit, sold out, no money left
    assert_problem(order(client, user, drop), 409, "PURCHASE_LIMIT_EXCEEDED")
    assert_problem(order(client, user, drop, couponId=999_999), 409, "PURCHASE_LIMIT_EXCEEDED")


def test_over_the_limit_with_too_little_balance_is_the_limit(client_for, user):
    fund(user, 500)
    drop = make_timed(limit=1, price=1_000, stock=5)
    assert_problem(order(client_for(user), user, drop, quantity=2), 409, "PURCHASE_LIMIT_EXCEEDED")


def test_bad_coupon_before_out_of_stock_and_out_of_stock_names_product_id(client_for, shopper):
    drop = make_timed(limit=2, stock=0)
    client = client_for(shopper)
    assert_problem(order(client, shopper, drop, couponId=999_999), 409, "INVALID_COUPON")
    problem = assert_problem(order(client, shopper, drop), 409, "OUT_OF_STOCK")
    assert problem["productId"] == drop.pk and "product_id" not in problem
    # With a valid coupon the stock check runs inside the transaction: the same spelling.
    coupon = make_drop(discount_value=100)
    issue_coupon(shopper, coupon)
    problem = assert_problem(order(client, shopper, drop, couponId=coupon.pk), 409, "OUT_OF_STOCK")
    assert problem["productId"] == drop.pk and "product_id" not in problem


def test_storefront_checkout_says_it_in_korean(client, shopper):
    drop = make_timed(limit=1, starts=timezone.now() + timedelta(hours=1))
    client.force_login(shopper)
    home = make_address(shopper)  # the checkout ships only to an address
    client.post("/orders/cart/add/", {"product_id": drop.pk, "quantity": 1})
    page = client.get("/orders/checkout/")
    nonce = page.context["nonce"]
    response = client.post("/orders/checkout/", {"nonce": nonce, "coupon": "", "address": home.pk}, follow=True)
    assert "판매 시작 전" in response.content.decode()
    Product.objects.filter(pk=drop.pk).update(sale_starts_at=None)
    client.post("/orders/cart/update/", {"product_id": drop.pk, "quantity": 2})
    nonce = client.get("/orders/checkout/").context["nonce"]
    response = client.post("/orders/checkout/", {"nonce": nonce, "coupon": "", "address": home.pk}, follow=True)
    assert "구매 한도 초과" in response.content.decode()


def test_a_limited_order_takes_its_locks_in_the_documented_order(shopper):
    # Lock order (orders.services): the balance row → the limit counted → (coupon) → products last.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    drop = make_timed(limit=2)
    with CaptureQueriesContext(connection) as queries:
        order_place(user_id=shopper.pk, lines=[(drop.pk, 1)])
    sql = [query["sql"] for query in queries.captured_queries]
    balance_lock = next(i for i, q in enumerate(sql) if "FOR UPDATE" in q and "balance" in q)
    counts = [i for i, q in enumerate(sql) if "SUM(l.quantity)" in q]
    stock = next(i for i, q in enumerate(sql) if q.startswith("WITH taken AS (UPDATE"))
    assert len(counts) == 2 and counts[0] < balance_lock < counts[1] < stock  # early read, then locked
    assert stock == max(i for i, q in enumerate(sql) if "products_product" in q)
