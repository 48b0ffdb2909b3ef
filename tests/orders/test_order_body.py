"""`order_body` (the hand-written Order object of API.md) is exactly what the `OrderOut` serializer
renders, for paid, cancelled, couponed and multi-line orders."""

import json

import pytest

from orders.selectors import order_detail
from orders.serializers import OrderOut, order_body
from orders.services import order_cancel, order_place
from tests.support.builders import fund, issue_coupon, make_drop, make_product

pytestmark = pytest.mark.django_db


def _same(order):
    expected = OrderOut(order).data
    actual = order_body(order)
    assert actual == expected
    assert json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_paid_order_with_lines_and_coupon(user):
    fund(user, 100_000)
    drop = make_drop()
    issue_coupon(user, drop)
    a, b = make_product(price=1_200), make_product(price=3_000, name="둘째 상품")
    order = order_place(user_id=user.pk, lines=[(b.pk, 2), (a.pk, 1)], coupon_id=drop.pk)
    _same(order)
    _same(order_detail(order_id=order.pk))


def test_cancelled_order(user, staff):
    fund(user, 10_000)
    order = order_place(user_id=user.pk, lines=[(make_product().pk, 1)])
    cancelled = order_cancel(order_id=order.pk, actor=staff)
    _same(cancelled)
    assert order_body(cancelled)["cancelledAt"] is not None
