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

from django.db import connection

from orders.errors import PurchaseLimitExceeded
from orders.models import Order, OrderLine

_UNITS_HELD = (
    f"SELECT l.product_id, SUM(l.quantity) FROM {OrderLine._meta.db_table} l "  # noqa: S608
    f"JOIN {Order._meta.db_table} o ON o.id = l.order_id "
    "WHERE o.user_id = %s AND o.status = %s AND l.product_id = ANY(%s) GROUP BY l.product_id"
)
_HOLDERS = (
    f"SELECT o.user_id, SUM(l.quantity) FROM {OrderLine._meta.db_table} l "  # noqa: S608
    f"JOIN {Order._meta.db_table} o ON o.id = l.order_id "
    "WHERE l.product_id = %s AND o.status = %s GROUP BY o.user_id LIMIT %s"
)


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


def units_by_customer(*, product_id: int, at_most: int) -> dict[int, int] | None:
    """Each customer's units of one product in PAID orders, or None if more than `at_most` hold any."""
    with connection.cursor() as cursor:
        cursor.execute(_HOLDERS, [product_id, Order.Status.PAID, at_most + 1])
        rows = cursor.fetchall()
    return None if len(rows) > at_most else {user_id: int(units) for user_id, units in rows}


def limit_refusal(product_id: int, limit: int) -> PurchaseLimitExceeded:
    return PurchaseLimitExceeded(
        f"상품 {product_id}은(는) 1인 {limit}개까지 구매할 수 있습니다.", product_id=product_id
    )


def ensure_within_limits(*, user_id: int, limited: dict[int, tuple[int, int]]) -> None:
    """PURCHASE_LIMIT_EXCEEDED naming the first product (by id) the order would take over its limit.
    Decisive only inside `order_place`'s transaction, after the customer's balance row lock."""
    if not limited:
        return
    first = min(limited)
    if limited[first][1] > limited[first][0]:  # more than the limit on its own: no count needed
        raise limit_refusal(first, limited[first][0])
    held = units_held(user_id=user_id, product_ids=limited)
    for pid in sorted(limited):
        limit, quantity = limited[pid]
        if held.get(pid, 0) + quantity > limit:
            raise limit_refusal(pid, limit)
