"""Whether an order may buy what it asks for: the drop steps of the contract's precedence
(API.md "Timed drops"), between PRODUCT_NOT_FOUND and INVALID_COUPON:

    SALE_NOT_STARTED → SALE_ENDED → (QUEUE_TICKET_REQUIRED, the waiting room) → PURCHASE_LIMIT_EXCEEDED

Each step runs twice. `refuse_early`, before the transaction, answers the losers of a drop from
what was just read, without a transaction or a lock: a refusal there is true of the state at that
read (the clock, the product row, the customer's committed orders). `admit`, inside the
transaction, decides for the orders that got through: the window at the order's own time, the
limit counted under the customer's balance row lock (orders.limits). Neither weakens the other:
the database still decides every winner (the stock UPDATE checks stock and window under the
product's row lock). A new step (the waiting room's ticket) goes in both, at its place.
"""

from collections.abc import Mapping
from datetime import datetime

from orders.limits import ensure_within_limits, limited_quantities
from products.drops import ensure_on_sale
from products.errors import OutOfStock
from waiting_room.services import queue_ticket_require, queue_ticket_use


def refuse_early(
    *,
    user_id: int,
    products: dict,
    quantities: dict[int, int],
    coupon_id: int | None,
    queue_tickets: Mapping[int, str],
    at: datetime,
) -> dict[int, tuple[int, int]]:
    """Raises the first refusal in the contract's precedence that the read state decides; returns
    the order's limited products for `admit`. The stock is only answered here without a coupon,
    since INVALID_COUPON comes before OUT_OF_STOCK and a coupon is checked under its lock."""
    ensure_on_sale(products.values(), at=at)  # SALE_NOT_STARTED → SALE_ENDED
    for pid in _in_rooms(products):  # QUEUE_TICKET_REQUIRED (503 when Redis cannot say)
        queue_ticket_require(product_id=pid, user_id=user_id, ticket=queue_tickets.get(pid))
    limited = limited_quantities(products, quantities)
    ensure_within_limits(user_id=user_id, limited=limited)  # PURCHASE_LIMIT_EXCEEDED
    if coupon_id is None:
        for pid in sorted(quantities):
            if products[pid].stock < quantities[pid]:
                raise OutOfStock(f"상품 {pid}의 재고가 부족합니다.", product_id=pid)
    return limited


def _in_rooms(products: dict) -> list[int]:
    return sorted(pid for pid, product in products.items() if product.waiting_room)


def admit(
    *, user_id: int, products: dict, limited: dict[int, tuple[int, int]], queue_tickets: Mapping[int, str], at: datetime
) -> None:
    """The decisive drop steps, inside `order_place`'s transaction; the limit only after the
    customer's balance row lock (the caller takes it, first in the lock order)."""
    ensure_on_sale(products.values(), at=at)
    for pid in _in_rooms(products):  # the ticket's use, recorded in this transaction
        queue_ticket_use(product_id=pid, user_id=user_id, ticket=queue_tickets[pid])
    ensure_within_limits(user_id=user_id, limited=limited)
