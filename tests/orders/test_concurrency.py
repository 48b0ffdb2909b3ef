"""Stampedes against the real database: invariants on the final state, never timings."""

import pytest
from django.db.models import Sum

from balances.models import LedgerEntry
from coupons.models import UserCoupon
from dataplatform.models import OutboxEvent
from orders.models import Order
from orders.services import order_cancel, order_place
from products.errors import OutOfStock
from products.models import Product
from tests.support.builders import balance_of, fund, issue_coupon, make_drop, make_product
from tests.support.concurrency import run_concurrently
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def assert_ledger_matches_balances(users):
    for user in users:
        total = LedgerEntry.objects.filter(user_id=user.pk).aggregate(total=Sum("amount"))["total"] or 0
        assert balance_of(user) == total >= 0


def test_500_buyers_for_100_in_stock(django_user_model):
    product = make_product(price=7_000, stock=100)
    buyers = django_user_model.objects.bulk_create([django_user_model(username=f"buyer{i:03d}") for i in range(500)])
    for buyer in buyers:
        fund(buyer, 10_000)

    results = run_concurrently(
        [lambda b=b: order_place(user_id=b.pk, lines=[(product.pk, 1)]) for b in buyers], workers=50
    )

    winners = [b for b, r in zip(buyers, results, strict=True) if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 100
    assert all(isinstance(e, OutOfStock) for e in errors), {type(e) for e in errors}
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 100 == OutboxEvent.objects.filter(event_type="order.paid").count()
    winner_ids = {b.pk for b in winners}
    for buyer in buyers:
        assert balance_of(buyer) == (3_000 if buyer.pk in winner_ids else 10_000)
    assert_ledger_matches_balances(buyers)


def test_one_user_with_money_for_10_orders_sending_30(user):
    fund(user, 10_000)
    product = make_product(price=1_000, stock=1_000)

    results = run_concurrently([lambda: order_place(user_id=user.pk, lines=[(product.pk, 1)])] * 30, workers=30)

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(results) - len(failures) == 10
    assert {type(f).__name__ for f in failures} == {"InsufficientBalance"}
    assert balance_of(user) == 0
    product.refresh_from_db()
    assert product.stock == 990
    assert_ledger_matches_balances([user])


def test_one_coupon_in_10_concurrent_orders(user):
    fund(user, 100_000)
    product = make_product(price=10_000, stock=100)
    drop = make_drop(discount_value=3_000)
    issue_coupon(user, drop)

    results = run_concurrently(
        [lambda: order_place(user_id=user.pk, lines=[(product.pk, 1)], coupon_id=drop.pk)] * 10, workers=10
    )

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == 1 and placed[0].discount_amount == 3_000
    assert {type(r).__name__ for r in results if isinstance(r, Exception)} == {"InvalidCoupon"}
    assert UserCoupon.objects.get(user=user, coupon=drop).status == "USED"
    assert balance_of(user) == 100_000 - 7_000
    product.refresh_from_db()
    assert product.stock == 99
    assert_ledger_matches_balances([user])


def test_opposite_product_orders_never_deadlock_to_a_client():
    a = make_product(price=100, stock=10_000, name="A")
    b = make_product(price=100, stock=10_000, name="B")
    alice, bob = UserFactory(), UserFactory()
    fund(alice, 100_000), fund(bob, 100_000)

    calls = []
    for _ in range(100):
        calls.append(lambda: order_place(user_id=alice.pk, lines=[(a.pk, 1), (b.pk, 1)]))
        calls.append(lambda: order_place(user_id=bob.pk, lines=[(b.pk, 1), (a.pk, 1)]))
    results = run_concurrently(calls, workers=20)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Product.objects.get(pk=a.pk).stock == Product.objects.get(pk=b.pk).stock == 10_000 - 200
    assert balance_of(alice) == balance_of(bob) == 100_000 - 100 * 200
    assert_ledger_matches_balances([alice, bob])


def test_ten_concurrent_cancels_refund_once(user):
    fund(user, 50_000)
    product = make_product(price=5_000, stock=10)
    drop = make_drop(discount_value=1_000)
    issue_coupon(user, drop)
    order = order_place(user_id=user.pk, lines=[(product.pk, 2)], coupon_id=drop.pk)

    results = run_concurrently([lambda: order_cancel(order_id=order.pk, actor=user)] * 10, workers=10)

    assert all(not isinstance(r, Exception) and r.status == "CANCELLED" for r in results), results
    assert len({r.cancelled_at for r in results}) == 1
    assert balance_of(user) == 50_000
    assert LedgerEntry.objects.filter(user_id=user.pk, type="REFUND").count() == 1
    assert Product.objects.get(pk=product.pk).stock == 10
    assert UserCoupon.objects.get(user=user, coupon=drop).status == "AVAILABLE"
    assert OutboxEvent.objects.filter(aggregate_id=order.pk, event_type="order.cancelled").count() == 1
    assert_ledger_matches_balances([user])


def test_orders_and_cancels_interleaved_keep_every_invariant():
    product = make_product(price=1_000, stock=50)
    users = [UserFactory() for _ in range(10)]
    for u in users:
        fund(u, 20_000)
    placed = [order_place(user_id=u.pk, lines=[(product.pk, 2)]) for u in users]

    calls = [lambda o=o, u=u: order_cancel(order_id=o.pk, actor=u) for o, u in zip(placed, users, strict=True)]
    calls += [lambda u=u: order_place(user_id=u.pk, lines=[(product.pk, 3)]) for u in users]
    results = run_concurrently(calls, workers=20)

    new_orders = [r for r in results[10:] if not isinstance(r, Exception)]
    assert all(not isinstance(r, Exception) for r in results[:10])
    product.refresh_from_db()
    sold = sum(line.quantity for o in Order.objects.filter(status="PAID") for line in o.lines.all())
    assert product.stock + sold == 50 and product.stock >= 0
    assert sold == 3 * len(new_orders)
    assert_ledger_matches_balances(users)
