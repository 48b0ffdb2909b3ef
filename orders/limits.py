"""The per-customer limit of a drop (1인 N개, SPEC §9): a customer's units of a product in PAID
orders, over all time, plus this order's, never above the product's `per_customer_limit`.

Why it holds under any concurrency without a row of its own: `order_place` takes the customer's
balance row lock before it counts (the first step of the lock order), and every order with a
limited product and every cancel take that same lock first. So one customer's orders and cancels
run one at a time from the count to the commit, and under READ COMMITTED each count, read after the
lock was granted, sees everything the previous holder committed. Different customers never share a
lock here; the product row stays the only row all buyers of a drop share, and it stays last.
A cancel flips its order to CANCELLED, so its units drop out of the count: they are given back.
"""

from collections.abc import Iterable

from django.db import connection

from orders.errors import PurchaseLimitExceeded
from orders.models import Order, OrderLine
from products.selectors import PRODUCT_FOR_ORDER_COLUMNS, PRODUCT_TABLE, ProductForOrder, products_found

_UNITS_HELD = (
    f"SELECT l.product_id, SUM(l.quantity) FROM {OrderLine._meta.db_table} l "  # noqa: S608
    f"JOIN {Order._meta.db_table} o ON o.id = l.order_id "
    "WHERE o.user_id = %s AND o.status = %s AND l.product_id = ANY(%s) GROUP BY l.product_id"
)


# The order's products with, for each limited one, the buyer's units already held: the read a drop's
# losers are answered from, in one statement (docs/benchmarks.md, droplost).
_PRODUCTS_AND_UNITS_HELD = (
    f"SELECT {PRODUCT_FOR_ORDER_COLUMNS}, CASE WHEN p.per_customer_limit IS NOT NULL THEN "  # noqa: S608
    f"(SELECT COALESCE(SUM(l.quantity), 0) FROM {OrderLine._meta.db_table} l "
    f"JOIN {Order._meta.db_table} o ON o.id = l.order_id "
    "WHERE o.user_id = %s AND o.status = %s AND l.product_id = p.id) END "
    f"FROM {PRODUCT_TABLE} p WHERE p.active AND p.id = ANY(%s)"
)


def products_and_units_held(
    *, user_id: int, product_ids: Iterable[int]
) -> tuple[dict[int, ProductForOrder], dict[int, int]]:
    """`products_for_order`'s products (PRODUCT_NOT_FOUND alike) and the customer's units of each
    limited one in PAID orders, from one statement, without locks: the early answers' read."""
    wanted = sorted(set(product_ids))
    with connection.cursor() as cursor:
        cursor.execute(_PRODUCTS_AND_UNITS_HELD, [user_id, Order.Status.PAID, wanted])
        rows = cursor.fetchall()
    held = {row[0]: int(row[-1]) for row in rows if row[-1] is not None}
    return products_found(wanted, (row[:-1] for row in rows)), held


def limited_quantities(products: dict, quantities: dict[int, int]) -> dict[int, tuple[int, int]]:
    """{product id: (limit, quantity ordered)} for the order's products that have a limit."""
    return {
        pid: (products[pid].per_customer_limit, quantity)
        for pid, quantity in quantities.items()
        if products[pid].per_customer_limit is not None
    }


def units_held(*, user_id: int, product_ids) -> dict[int, int]:
    """The customer's units of each product in PAID orders (cancelled ones excluded), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_UNITS_HELD, [user_id, Order.Status.PAID, sorted(product_ids)])
        return {product_id: int(units) for product_id, units in cursor.fetchall()}


def _refusal(product_id: int, limit: int) -> PurchaseLimitExceeded:
    return PurchaseLimitExceeded(
        f"상품 {product_id}은(는) 1인 {limit}개까지 구매할 수 있습니다.", product_id=product_id
    )


def ensure_within_limits(
    *, user_id: int, limited: dict[int, tuple[int, int]], held: dict[int, int] | None = None
) -> None:
    """PURCHASE_LIMIT_EXCEEDED naming the first product (by id) the order would take over its limit.
    Counts the units held now unless given them (`held`, from `products_and_units_held`). Decisive
    only inside `order_place`'s transaction, after the customer's balance row lock, counting now."""
    if not limited:
        return
    first = min(limited)
    if limited[first][1] > limited[first][0]:  # more than the limit on its own: no count needed
        raise _refusal(first, limited[first][0])
    if held is None:
        held = units_held(user_id=user_id, product_ids=limited)
    for pid in sorted(limited):
        limit, quantity = limited[pid]
        if held.get(pid, 0) + quantity > limit:
            raise _refusal(pid, limit)
