"""The sold-out mark (orders.sold_out): a sold-out product's next losers are answered from Redis,
with the same answers, in the same precedence, as the database would give; it never accepts."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_redis import get_redis_connection

from balances.models import LedgerEntry
from coupons.errors import InvalidCoupon
from orders.errors import PurchaseLimitExceeded
from orders.models import Order, OrderLine
from orders.services import order_cancel, order_place
from products.errors import OutOfStock, ProductNotFound, SaleEnded
from products.models import Product
from products.services import drop_end_now, product_update, products_set_active
from tests.support.builders import balance_of, fund, make_address, make_room_drop
from tests.support.concurrency import run_concurrently, wait_for
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _drop(*, stock: int, limit: int | None = 1, ends_in_minutes: int | None = None) -> Product:
    now = timezone.now()
    return Product.objects.create(
        name="타임딜",
        price=1_000,
        stock=stock,
        per_customer_limit=limit,
        sale_starts_at=now - timedelta(minutes=5),
        sale_ends_at=None if ends_in_minutes is None else now + timedelta(minutes=ends_in_minutes),
    )


def _buyer(amount: int = 10_000):
    user = UserFactory()
    fund(user, amount)
    return user


def _marked(product: Product) -> bool:
    return bool(get_redis_connection("default").exists(f"product:{product.pk}:sold_out"))


def _sell_out(product: Product):
    """Buys every unit (one customer each), then two losers: the first shows this process the
    product sold out, the second (asking Redis first) marks it. Returns the buyers."""
    buyers = [_buyer() for _ in range(product.stock)]
    for buyer in buyers:
        order_place(user_id=buyer.pk, lines=[(product.pk, 1)])
    with pytest.raises(OutOfStock):
        order_place(user_id=_buyer().pk, lines=[(product.pk, 1)])
    assert not _marked(product)
    with pytest.raises(OutOfStock):
        order_place(user_id=_buyer().pk, lines=[(product.pk, 1)])
    assert _marked(product)
    return buyers


def test_a_holder_over_the_limit_and_a_newcomer_get_the_databases_answers_from_the_mark(
    django_assert_num_queries,
):
    drop = _drop(stock=2, limit=2)
    first, second = _sell_out(drop)
    newcomer = _buyer()

    with django_assert_num_queries(0):
        with pytest.raises(PurchaseLimitExceeded) as over:
            order_place(user_id=first.pk, lines=[(drop.pk, 2)])  # holds 1, limit 2: 1 + 2 > 2
        with pytest.raises(OutOfStock) as holder_within:
            order_place(user_id=second.pk, lines=[(drop.pk, 1)])  # 1 + 1 ≤ 2: the stock answers
        with pytest.raises(OutOfStock) as fresh:
            order_place(user_id=newcomer.pk, lines=[(drop.pk, 1)])
        with pytest.raises(PurchaseLimitExceeded):
            order_place(user_id=newcomer.pk, lines=[(drop.pk, 3)])  # over the limit on its own

    assert over.value.code == "PURCHASE_LIMIT_EXCEEDED" and over.value.extra == {"productId": drop.pk}
    assert holder_within.value.extra == fresh.value.extra == {"productId": drop.pk}
    assert Order.objects.count() == 2


def test_a_cancel_puts_its_units_on_sale_at_once():
    drop = _drop(stock=1)
    (holder,) = _sell_out(drop)
    waiting = _buyer()

    order_cancel(order_id=Order.objects.get(user=holder).pk, actor=holder)

    assert not _marked(drop)
    order = order_place(user_id=waiting.pk, lines=[(drop.pk, 1)])
    assert order.status == Order.Status.PAID
    drop.refresh_from_db()
    assert drop.stock == 0


@pytest.mark.parametrize("edit", ["restock", "end_now", "deactivate"])
def test_a_catalog_edit_drops_the_mark_at_once(edit):
    drop = _drop(stock=1)
    _sell_out(drop)
    if edit == "restock":
        product_update(product_id=drop.pk, stock=5)
        expected = Order
    elif edit == "end_now":
        drop_end_now(product_ids=[drop.pk])
        expected = SaleEnded
    else:
        products_set_active(product_ids=[drop.pk], active=False)
        expected = ProductNotFound

    try:
        answer = order_place(user_id=_buyer().pk, lines=[(drop.pk, 1)])
    except Exception as refused:
        answer = refused
    assert isinstance(answer, expected), answer


def test_a_restock_by_hand_is_sold_once_the_mark_expires(settings):
    settings.SOLD_OUT_MARK_MS = 300
    drop = _drop(stock=1, limit=None)
    _sell_out(drop)
    Product.objects.filter(pk=drop.pk).update(stock=5)  # past the services: no version bump
    waiting = _buyer()

    with pytest.raises(OutOfStock):
        order_place(user_id=waiting.pk, lines=[(drop.pk, 1)])

    def bought() -> bool:
        try:
            return order_place(user_id=waiting.pk, lines=[(drop.pk, 1)]).status == Order.Status.PAID
        except OutOfStock:
            return False

    assert wait_for(bought, timeout=10)
    drop.refresh_from_db()
    assert drop.stock == 4


def test_outside_the_window_the_database_answers(time_machine):
    drop = _drop(stock=1, ends_in_minutes=10)
    _sell_out(drop)

    time_machine.move_to(drop.sale_ends_at, tick=False)
    with pytest.raises(SaleEnded):
        order_place(user_id=_buyer().pk, lines=[(drop.pk, 1)])


def test_a_coupon_or_a_chosen_address_keeps_its_place_before_the_stock(user, other_user):
    fund(user, 10_000)
    drop = _drop(stock=1)
    _sell_out(drop)

    with pytest.raises(InvalidCoupon):
        order_place(user_id=user.pk, lines=[(drop.pk, 1)], coupon_id=999_999)
    someone_elses = make_address(other_user)
    with pytest.raises(Exception) as refused:
        order_place(user_id=user.pk, lines=[(drop.pk, 1)], address_id=someone_elses.pk)
    assert refused.value.code == "ADDRESS_NOT_FOUND"


def test_a_product_with_a_waiting_room_is_never_marked():
    drop = make_room_drop(stock=0)
    with pytest.raises(Exception) as refused:
        order_place(user_id=_buyer().pk, lines=[(drop.pk, 1)])
    assert refused.value.code == "QUEUE_TICKET_REQUIRED"
    assert not _marked(drop)


@pytest.mark.usefixtures("redis_down")
def test_without_redis_the_database_answers_and_sells():
    drop = _drop(stock=1)
    buyer, loser = _buyer(), _buyer()
    order_place(user_id=buyer.pk, lines=[(drop.pk, 1)])
    for _ in range(2):
        with pytest.raises(OutOfStock):
            order_place(user_id=loser.pk, lines=[(drop.pk, 1)])
    with pytest.raises(PurchaseLimitExceeded):
        order_place(user_id=buyer.pk, lines=[(drop.pk, 1)])
    assert Order.objects.count() == 1


def test_a_stampede_on_a_drop_then_every_customer_again(django_user_model):
    """40 units, limit 1: 120 customers once each and 8 greedy ones six times each, all at once;
    then every customer once more, answered from the mark: a holder PURCHASE_LIMIT_EXCEEDED, the
    rest OUT_OF_STOCK, exactly as the database decides them."""
    drop = _drop(stock=40)
    crowd = [_buyer() for _ in range(120)]
    greedy = [_buyer() for _ in range(8)]
    attempts = [c for c in crowd] + [g for g in greedy for _ in range(6)]

    results = run_concurrently(
        [lambda user=user: order_place(user_id=user.pk, lines=[(drop.pk, 1)]) for user in attempts], workers=16
    )

    unexpected = [r for r in results if not isinstance(r, Order | OutOfStock | PurchaseLimitExceeded)]
    assert not unexpected, unexpected[:3]
    drop.refresh_from_db()
    sold = OrderLine.objects.filter(product=drop, order__status=Order.Status.PAID)
    assert drop.stock == 0 and sold.aggregate(units=Sum("quantity"))["units"] == 40
    holders = set(sold.values_list("order__user_id", flat=True))
    assert len(holders) == 40  # nobody above the limit
    for user in crowd + greedy:
        total = LedgerEntry.objects.filter(user_id=user.pk).aggregate(total=Sum("amount"))["total"]
        assert balance_of(user) == total >= 0

    again = run_concurrently(
        [lambda user=user: order_place(user_id=user.pk, lines=[(drop.pk, 1)]) for user in crowd + greedy],
        workers=16,
    )
    assert _marked(drop)
    for user, answer in zip(crowd + greedy, again, strict=True):
        expected = PurchaseLimitExceeded if user.pk in holders else OutOfStock
        assert isinstance(answer, expected), (user.pk, answer)
    assert sold.count() == 40
