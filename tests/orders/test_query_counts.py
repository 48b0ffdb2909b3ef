"""The purchase path's statement budget, pinned: a new query on it is a decision, not an accident.
Counted on committed transactions (`transaction=True`): no test savepoints in the count, and
BEGIN and COMMIT are in it, as Django records them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.errors import PurchaseLimitExceeded
from orders.services import order_cancel, order_place
from products.errors import OutOfStock, SaleNotStarted
from products.models import Product
from tests.support.builders import fund, issue_coupon, make_address, make_drop, make_product

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cart(user):
    fund(user, 100_000)
    products = [make_product(price=1_000, stock=10), make_product(price=2_000, stock=10)]
    drop = make_drop(discount_value=500)
    issue_coupon(user, drop)
    return {"user": user, "drop": drop, "lines": [(products[1].pk, 1), (products[0].pk, 2)]}


def test_an_order_of_two_products_without_a_coupon(cart, django_assert_num_queries):
    # prices and names (1) and the delivery address to copy (1) before BEGIN; the order (1), its
    # lines (1); the payment (1) and its ledger row (1); the order.paid outbox row (1); per product
    # its stock with its sales count (2); COMMIT
    with django_assert_num_queries(11):
        order_place(user_id=cart["user"].pk, lines=cart["lines"])


def test_an_order_of_two_products_with_a_coupon(cart, django_assert_num_queries):
    # as without a coupon, plus the balance row lock (1), the coupon lock (1) and its use (1)
    with django_assert_num_queries(14):
        order_place(user_id=cart["user"].pk, lines=cart["lines"], coupon_id=cart["drop"].pk)


def test_a_cancel_of_two_products_with_a_coupon(cart, django_assert_num_queries):
    order = order_place(user_id=cart["user"].pk, lines=cart["lines"], coupon_id=cart["drop"].pk)
    # the owner (1) before BEGIN; the balance lock (1); PAID → CANCELLED (1); the order with its
    # lines (2); the coupon back (1); the refund (1) and its ledger row (1); the order.cancelled
    # outbox row (1); per product its stock (2); the sales counts of both (1); COMMIT
    with django_assert_num_queries(14):
        order_cancel(order_id=order.pk, actor=cart["user"])


def _drop(*, stock: int, starts_in_minutes: int = -5) -> Product:
    return Product.objects.create(
        name="타임딜",
        price=1_000,
        stock=stock,
        per_customer_limit=1,
        sale_starts_at=timezone.now() + timedelta(minutes=starts_in_minutes),
    )


# Losing a drop is answered before the transaction from the products read, and once the drop is
# marked sold out from Redis alone: the cheap path the stampede's losers take (docs/benchmarks.md,
# droplost). The default address is not read for it.
def test_an_order_for_a_sold_out_drop(user, other_user, django_assert_num_queries):
    fund(user, 100_000)
    make_address(user)
    drop = _drop(stock=0)
    # prices, stock and window (1); the customer's units of the drop already held (1)
    with django_assert_num_queries(2), pytest.raises(OutOfStock):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)])
    # seen sold out in this process, so the next one asks Redis first: no mark yet, so as above,
    # plus every customer's units, for the mark it writes (1)
    with django_assert_num_queries(3), pytest.raises(OutOfStock):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)])
    # the next losers, this customer or another, while the mark lives (orders.sold_out)
    with django_assert_num_queries(0), pytest.raises(OutOfStock):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)])
    with django_assert_num_queries(0), pytest.raises(OutOfStock):
        order_place(user_id=other_user.pk, lines=[(drop.pk, 1)])


def test_an_order_over_the_limit(user, django_assert_num_queries):
    fund(user, 100_000)
    drop = _drop(stock=10)
    order_place(user_id=user.pk, lines=[(drop.pk, 1)])
    with django_assert_num_queries(2), pytest.raises(PurchaseLimitExceeded):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)])


def test_an_order_before_the_opening(user, django_assert_num_queries):
    drop = _drop(stock=10, starts_in_minutes=5)
    with django_assert_num_queries(1), pytest.raises(SaleNotStarted):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)])
