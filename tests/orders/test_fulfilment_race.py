"""Cancel against ship on the real database, released together: exactly one of them wins, and the
money, the stock and the events agree with the winner."""

import pytest
from django.db.models import Sum

from balances.models import LedgerEntry
from dataplatform.models import OutboxEvent
from orders.errors import InvalidFulfilment, OrderNotCancellable
from orders.fulfilment import fulfilment_advance
from orders.models import Order
from orders.services import order_cancel, order_place
from products.models import Product
from tests.support.builders import balance_of, fund, make_product
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)
PRICE, QUANTITY, STOCK = 2_000, 3, 1_000


def ship(order_id: int, n: int = 0):
    return fulfilment_advance(
        order_id=order_id, status="SHIPPED", carrier="CJ대한통운", tracking_number=f"TRK-{order_id}-{n}"
    )


def test_20_pairs_of_cancel_and_ship_each_have_exactly_one_winner(user, staff):
    fund(user, 1_000_000)
    product = make_product(price=PRICE, stock=STOCK)
    orders = [order_place(user_id=user.pk, lines=[(product.pk, QUANTITY)]) for _ in range(20)]
    for order in orders[::2]:  # half of them already PREPARING: still cancellable
        fulfilment_advance(order_id=order.pk, status="PREPARING")
    balance_before = balance_of(user)

    calls = []
    for order in orders:
        calls.append(lambda o=order: order_cancel(order_id=o.pk, actor=user))
        calls.append(lambda o=order: ship(o.pk))
    results = run_concurrently(calls, workers=40)

    shipped, cancelled = set(), set()
    for order, cancel_result, ship_result in zip(orders, results[::2], results[1::2], strict=True):
        if isinstance(cancel_result, OrderNotCancellable):
            assert isinstance(ship_result, Order), ship_result  # the ship won
            shipped.add(order.pk)
        else:
            assert isinstance(cancel_result, Order) and cancel_result.status == "CANCELLED", cancel_result
            assert isinstance(ship_result, InvalidFulfilment), ship_result  # the cancel won
            cancelled.add(order.pk)
    assert len(shipped) + len(cancelled) == 20

    final = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status"))
    assert {pk for pk, status in final.items() if status == "CANCELLED"} == cancelled
    assert set(Order.objects.filter(fulfilment_status="SHIPPED", status="PAID").values_list("pk", flat=True)) == shipped
    # money: a refund for each cancelled order and no other; the balance is the sum of the ledger
    refunds = LedgerEntry.objects.filter(user_id=user.pk, type="REFUND")
    assert sorted(refunds.values_list("order_id", flat=True)) == sorted(cancelled)
    assert balance_of(user) == balance_before + PRICE * QUANTITY * len(cancelled)
    assert balance_of(user) == LedgerEntry.objects.filter(user_id=user.pk).aggregate(s=Sum("amount"))["s"]
    # stock: back for the cancelled ones only
    assert Product.objects.get(pk=product.pk).stock == STOCK - QUANTITY * len(shipped)
    # events: each order has its paid event and exactly the winner's event
    for order in orders:
        types = sorted(
            OutboxEvent.objects.filter(aggregate_id=order.pk)
            .exclude(event_type="order.fulfilment", payload__order__fulfilment__status="PREPARING")
            .values_list("event_type", flat=True)
        )
        assert types == (
            ["order.fulfilment", "order.paid"] if order.pk in shipped else ["order.cancelled", "order.paid"]
        )
    shipped_events = OutboxEvent.objects.filter(
        event_type="order.fulfilment", payload__order__fulfilment__status="SHIPPED"
    )
    assert sorted(shipped_events.values_list("aggregate_id", flat=True)) == sorted(shipped)


def test_many_cancels_and_ships_on_one_order_have_one_winner(user, staff):
    fund(user, 100_000)
    product = make_product(price=PRICE, stock=STOCK)
    order = order_place(user_id=user.pk, lines=[(product.pk, QUANTITY)])

    calls = [lambda: order_cancel(order_id=order.pk, actor=user)] * 20 + [
        lambda n=n: ship(order.pk, n) for n in range(20)
    ]
    results = run_concurrently(calls, workers=40)

    cancels, ships = results[:20], results[20:]
    shipped = [r for r in ships if isinstance(r, Order)]
    assert all(isinstance(r, InvalidFulfilment) for r in ships if not isinstance(r, Order))
    final = Order.objects.get(pk=order.pk)
    if final.status == "CANCELLED":
        assert not shipped and all(isinstance(r, Order) and r.status == "CANCELLED" for r in cancels)
        assert LedgerEntry.objects.filter(type="REFUND").count() == 1
        assert Product.objects.get(pk=product.pk).stock == STOCK
        assert list(
            OutboxEvent.objects.filter(aggregate_id=order.pk).order_by("id").values_list("event_type", flat=True)
        ) == [
            "order.paid",
            "order.cancelled",
        ]
    else:
        assert len(shipped) == 1 and all(isinstance(r, OrderNotCancellable) for r in cancels)
        assert final.fulfilment_status == "SHIPPED" and final.tracking_number == shipped[0].tracking_number
        assert not LedgerEntry.objects.filter(type="REFUND").exists()
        assert Product.objects.get(pk=product.pk).stock == STOCK - QUANTITY
        assert list(
            OutboxEvent.objects.filter(aggregate_id=order.pk).order_by("id").values_list("event_type", flat=True)
        ) == [
            "order.paid",
            "order.fulfilment",
        ]
