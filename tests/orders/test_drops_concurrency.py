"""Stampedes on a timed drop against the real database: invariants on the final state."""

import time
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from balances.models import LedgerEntry
from orders.errors import PurchaseLimitExceeded
from orders.models import Order, OrderLine
from orders.services import order_cancel, order_place
from products.errors import OutOfStock
from products.models import Product
from tests.support.builders import balance_of, fund
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def make_timed(*, stock, limit, starts=None) -> Product:
    return Product.objects.create(
        name="타임딜", price=1_000, stock=stock, per_customer_limit=limit, sale_starts_at=starts
    )


def assert_ledger_matches_balances(users):
    for user in users:
        total = LedgerEntry.objects.filter(user_id=user.pk).aggregate(total=Sum("amount"))["total"] or 0
        assert balance_of(user) == total >= 0


def units_paid(user, product) -> int:
    lines = OrderLine.objects.filter(order__user=user, order__status=Order.Status.PAID, product=product)
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


@pytest.mark.parametrize(("limit", "orders"), [(1, 20), (3, 10)])
def test_one_customer_firing_many_orders_gets_exactly_the_limit(user, limit, orders):
    fund(user, 100_000)
    drop = make_timed(stock=100, limit=limit)

    results = run_concurrently([lambda: order_place(user_id=user.pk, lines=[(drop.pk, 1)])] * orders, workers=orders)

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == limit
    assert all(isinstance(r, PurchaseLimitExceeded) for r in results if isinstance(r, Exception)), results
    drop.refresh_from_db()
    assert drop.stock == 100 - limit == 100 - units_paid(user, drop)
    assert_ledger_matches_balances([user])


def test_cancels_racing_orders_never_let_a_customer_hold_more_than_the_limit(user):
    fund(user, 100_000)
    drop = make_timed(stock=100, limit=1)
    held = order_place(user_id=user.pk, lines=[(drop.pk, 1)])

    calls = [lambda: order_cancel(order_id=held.pk, actor=user)] + [
        lambda: order_place(user_id=user.pk, lines=[(drop.pk, 1)])
    ] * 10
    results = run_concurrently(calls, workers=11)

    assert all(isinstance(r, Order | PurchaseLimitExceeded) for r in results), results
    assert units_paid(user, drop) <= 1
    drop.refresh_from_db()
    assert drop.stock == 100 - units_paid(user, drop)
    assert_ledger_matches_balances([user])


def test_300_customers_for_50_units_at_the_opening(django_user_model):
    buyers = django_user_model.objects.bulk_create([django_user_model(username=f"drop{i:03d}") for i in range(300)])
    for buyer in buyers:
        fund(buyer, 5_000)
    start = timezone.now() + timedelta(seconds=1)
    drop = make_timed(stock=50, limit=1, starts=start)

    def at_the_opening(buyer):
        # Released together by run_concurrently's event just before the start; each waits out the
        # last moment on its own so that every order is sent at the opening, not before it.
        while timezone.now() < start:
            time.sleep(0.001)
        return order_place(user_id=buyer.pk, lines=[(drop.pk, 1)])

    results = run_concurrently([lambda b=b: at_the_opening(b) for b in buyers], workers=60)

    winners = {b.pk for b, r in zip(buyers, results, strict=True) if not isinstance(r, Exception)}
    assert len(winners) == 50
    assert all(isinstance(r, OutOfStock) for r in results if isinstance(r, Exception)), {
        type(r).__name__ for r in results if isinstance(r, Exception)
    }
    drop.refresh_from_db()
    assert drop.stock == 0
    assert Order.objects.filter(status=Order.Status.PAID).count() == 50
    assert set(Order.objects.values_list("user_id", flat=True)) == winners
    assert_ledger_matches_balances(buyers)
