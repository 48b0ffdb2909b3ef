"""Placing and cancelling orders: the only services that span apps, so they own the transaction.

The site's one lock order is written once, in `order_place`, where it takes those locks.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from addresses.selectors import address_for_order
from balances.services import balance_debit, balance_lock, balance_refund
from core import metrics
from coupons.services.orders import user_coupon_lock, user_coupon_restore, user_coupon_use
from dataplatform.services.emitting import event_emit
from orders import sold_out
from orders.admission import admit, refuse_early
from orders.errors import OrderNotCancellable
from orders.fulfilment import CANCELLABLE
from orders.lines import merge_lines
from orders.models import Order, OrderLine
from orders.selectors import order_detail, order_owner_id
from orders.serializers import order_body
from products.errors import OutOfStock
from products.selectors import products_for_order
from products.services import sales_revert, stock_restore, stock_sell


@metrics.count_rejections(metrics.ORDER_REJECTED)
def order_place(
    *,
    user_id: int,
    lines: Iterable[tuple[int, int]],
    coupon_id: int | None = None,
    address_id: int | None = None,
    placed_at: datetime | None = None,
    queue_tickets: Mapping[int, str] | None = None,
) -> Order:
    """Places and pays an order in one durable transaction: all of it or none of it.

    Guarantees: stock never below 0, the balance never below 0, a coupon used at most once, a drop
    sold only inside its window and never more than its per-customer limit to one customer, and the
    order, its lines, the PAYMENT ledger row, the best-seller counts and the `order.paid` outbox
    event written together. The order keeps a copy of the delivery address `address_id` (the
    user's own), or without one of the user's default address, or none when the book is empty.
    Errors, in the precedence of API.md: INVALID_REQUEST, PRODUCT_NOT_FOUND, ADDRESS_NOT_FOUND,
    SALE_NOT_STARTED, SALE_ENDED, PURCHASE_LIMIT_EXCEEDED, INVALID_COUPON, OUT_OF_STOCK,
    INSUFFICIENT_BALANCE.

    `placed_at` (default now) is for the demo loader's past days only (orders.demo): the order, its
    event and its best-seller count are dated then.
    SALE_NOT_STARTED, SALE_ENDED, QUEUE_TICKET_REQUIRED, PURCHASE_LIMIT_EXCEEDED, INVALID_COUPON,
    OUT_OF_STOCK, INSUFFICIENT_BALANCE. A waiting-room drop needs the caller's admitted ticket in
    `queue_tickets` (product id → ticket); the order spends it.
    """
    quantities = merge_lines(lines)
    catalog_version = None
    if len(quantities) == 1 and coupon_id is None and address_id is None and placed_at is None:
        # The next losers of a product sold out a moment ago are answered from its mark in Redis.
        ((product_id, quantity),) = quantities.items()
        catalog_version = sold_out.look(user_id=user_id, product_id=product_id, quantity=quantity, at=timezone.now())
    # Prices and names come from the database, read before the transaction (no lock needed: a
    # price is captured as it was when the order was placed).
    products = products_for_order(product_ids=quantities)
    sold_out.note(products.values(), catalog_version=catalog_version)  # marks the sold-out ones
    total = sum(products[pid].price * quantity for pid, quantity in quantities.items())
    # A copy, read without a lock: the address as it is now is what the order keeps. A chosen
    # address is read here, for ADDRESS_NOT_FOUND's place in the precedence; the default one (never
    # missing) only below, once the order is past the drop refusals, which need not pay for it.
    shipping_address = address_for_order(user_id=user_id, address_id=address_id) if address_id is not None else None
    # The losers of a drop (not open, over the limit, sold out) are answered from the products read, without
    # a transaction; what is left is decided below (orders.admission).
    queue_tickets = queue_tickets or {}
    limited = refuse_early(
        user_id=user_id,
        products=products,
        quantities=quantities,
        coupon_id=coupon_id,
        queue_tickets=queue_tickets,
        at=timezone.now(),
    )
    if address_id is None:
        shipping_address = address_for_order(user_id=user_id, address_id=None)

    # The lock order, the one every transaction of the site follows (written here only):
    #   1. the user's balance row      balances.services: balance_lock, or balance_debit's UPDATE;
    #                                  taken first when the order has a coupon or a product with a
    #                                  per-customer limit. It serialises this customer's orders and
    #                                  cancels, so right after it the limit is counted from their
    #                                  PAID orders (orders.limits: a read, no lock row of its own)
    #   1b. a waiting-room ticket's    waiting_room.services.queue_ticket_use (its unique row, in
    #       use row                    `admit`): right after step 1 when that is taken first, else
    #                                  first; it only ever waits on an order spending the same
    #                                  ticket, that is on the same customer
    #   2. the user's coupon           coupons.services.orders.user_coupon_lock
    #   3. products in ascending id    products.services: stock_sell, stock_restore; a product's
    #                                  best-seller shard rows only after its product row
    # With one order no two transactions can wait on each other in a cycle, so no deadlock reaches
    # a client. The products come last because a flash-sale product is the hottest row: taken last,
    # its lock is held only from its UPDATE to the COMMIT right after it. order_cancel locks the
    # order row between steps 1 and 2 (its conditional flip); a fulfilment step (orders.fulfilment)
    # locks that row and nothing else, so it cannot close a cycle either.
    with transaction.atomic(durable=True):
        created_at = placed_at or timezone.now()  # the order's time: its window is decided at this instant
        use = None
        if limited or coupon_id is not None:
            balance_lock(user_id=user_id)  # step 1: makes the limit's count below safe
        admit(user_id=user_id, products=products, limited=limited, queue_tickets=queue_tickets, at=created_at)
        if coupon_id is not None:
            # Step 2 (after step 1, taken above).
            use = user_coupon_lock(user_id=user_id, coupon_id=coupon_id, order_total=total)
        discount = use.discount if use else 0
        # An early answer in the contract's precedence (before INSUFFICIENT_BALANCE); the stock
        # UPDATE at the end is what decides.
        for pid in sorted(quantities):
            if products[pid].stock < quantities[pid]:
                raise OutOfStock(f"상품 {pid}의 재고가 부족합니다.", product_id=pid)
        paid = total - discount

        order = Order.objects.create(
            user_id=user_id,
            total_amount=total,
            discount_amount=discount,
            paid_amount=paid,
            user_coupon_id=use.user_coupon_id if use else None,
            coupon_id=use.coupon_id if use else None,
            created_at=created_at,
            shipping_address=shipping_address,
        )
        # Counted when this transaction commits: any later refusal (balance, stock) counts nothing.
        metrics.order_placed(paid_won=paid)
        order.line_list = [
            OrderLine(
                order=order,
                product_id=pid,
                name=products[pid].name,
                unit_price=products[pid].price,
                quantity=quantity,
                amount=products[pid].price * quantity,
            )
            for pid, quantity in sorted(quantities.items())
        ]
        OrderLine.objects.bulk_create(order.line_list)
        if use:
            user_coupon_use(user_coupon_id=use.user_coupon_id, order_id=order.pk)
        if paid:
            # INSUFFICIENT_BALANCE if it does not cover `paid`. Without a coupon this conditional
            # UPDATE is the order's first lock (the balance row), so no SELECT ... FOR UPDATE before it.
            balance_debit(user_id=user_id, amount=paid, order_id=order.pk)
        event_emit(
            event_type="order.paid", aggregate_id=order.pk, order=order_body(order), occurred_at=order.created_at
        )
        # Step 3, last: the stock (and the window, in the same conditional UPDATE) with the
        # best-seller count (the lock order above).
        stock_sell(quantities=quantities, sold_at=order.created_at)
    return order


def order_cancel(*, order_id: int, actor) -> Order:
    """Cancels a PAID order once, by its owner or staff: stock back, paid amount refunded (ledger
    REFUND), the coupon given back if unexpired, best sellers reverted, `order.cancelled` emitted.

    Cancelling a cancelled order changes nothing and returns it as it is, so concurrent or repeated
    cancels refund exactly once. Once the order is SHIPPED (or DELIVERED): ORDER_NOT_CANCELLABLE;
    the flip below and a shipment (orders.fulfilment) decide on the same row, so of a cancel and a
    ship racing exactly one wins.
    """
    owner_id = order_owner_id(order_id=order_id, actor=actor)
    with transaction.atomic(durable=True):  # the lock order of order_place
        balance_lock(user_id=owner_id)  # step 1
        now = timezone.now()
        if Order.objects.filter(pk=order_id, status=Order.Status.PAID, fulfilment_status__in=CANCELLABLE).update(
            status=Order.Status.CANCELLED, cancelled_at=now
        ):
            order = order_detail(order_id=order_id)
            quantities = {line.product_id: line.quantity for line in order.line_list}
            if order.user_coupon_id:
                user_coupon_restore(user_coupon_id=order.user_coupon_id)
            if order.paid_amount:
                balance_refund(user_id=owner_id, amount=order.paid_amount, order_id=order.pk)
            event_emit(event_type="order.cancelled", aggregate_id=order.pk, order=order_body(order), occurred_at=now)
            metrics.order_cancelled()  # counted on commit
            # Step 3: products, each one's best-seller shard after its row, as in stock_sell.
            stock_restore(quantities=quantities)
            sold_out.forget_on_commit(quantities)  # the units are for sale again once this commits
            sales_revert(quantities=quantities, sold_at=order.created_at)
            return order
    order = order_detail(order_id=order_id)
    if order.status == Order.Status.PAID:  # not flipped, yet PAID: it has been shipped
        raise OrderNotCancellable("이미 발송된 주문은 취소할 수 없습니다.", order_id=order_id)
    return order
