"""What must hold after any amount of load, checked on the bench database after the run."""

from dataclasses import dataclass


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_all(context: dict, *, coupons_drawn: bool = True) -> list[Check]:
    """The invariants after a run. `coupons_drawn`: the coupon stampede ran, so the drop must be
    exactly sold out; otherwise it must never be over-issued."""
    from django.db.models import F, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    from balances.models import Balance, LedgerEntry
    from coupons.models import CouponDrop, UserCoupon
    from dataplatform.models import OutboxEvent
    from orders.models import Order, OrderLine
    from products.models import Product

    checks = []

    drop = CouponDrop.objects.get(pk=context["couponId"])
    issued = UserCoupon.objects.filter(coupon_id=drop.pk).count()
    quantity = context["couponQuantity"]
    if coupons_drawn:  # the stampede runs long enough to sell the drop out: exactly N
        name, ok = "exactly N coupons issued", issued == drop.issued_count == quantity
    else:  # the mix alone may not sell it out: never more than N, and the DB agrees with itself
        name, ok = "never more than N coupons issued", issued == drop.issued_count <= quantity
    checks.append(Check(name, ok, f"{issued} user coupons, issued_count {drop.issued_count}, drop of {quantity}"))

    hot = Product.objects.get(pk=context["hotProductId"])
    sold = (
        OrderLine.objects.filter(product_id=hot.pk, order__status=Order.Status.PAID).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    checks.append(
        Check(
            "no oversell (stock + sold = initial)",
            hot.stock >= 0 and hot.stock + sold == context["hotStock"],
            f"stock {hot.stock:,} + sold {sold:,} = {hot.stock + sold:,} (initial {context['hotStock']:,})",
        )
    )

    ledger_sum = (
        LedgerEntry.objects.filter(user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    mismatched = Balance.objects.annotate(ledger=Coalesce(Subquery(ledger_sum), 0)).exclude(amount=F("ledger")).count()
    balances = Balance.objects.count()
    negative = Balance.objects.filter(amount__lt=0).count()
    checks.append(
        Check(
            "Σ ledger = balance for every user",
            mismatched == 0 and negative == 0,
            f"{balances:,} balances, {mismatched} mismatched, {negative} negative",
        )
    )

    orders = Order.objects.count()
    missing = (
        Order.objects.exclude(
            pk__in=OutboxEvent.objects.filter(event_type=OutboxEvent.EventType.ORDER_PAID).values("aggregate_id")
        )
        .order_by()
        .count()
    )
    checks.append(
        Check(
            "every order has its order.paid outbox event",
            missing == 0,
            f"{orders:,} orders, {missing} without an order.paid event",
        )
    )

    paid = Order.objects.aggregate(n=Sum("paid_amount"))["n"] or 0
    payments = -(LedgerEntry.objects.filter(type=LedgerEntry.Type.PAYMENT).aggregate(n=Sum("amount"))["n"] or 0)
    checks.append(
        Check(
            "payments in the ledger = paid amounts of orders",
            paid == payments,
            f"orders paid {paid:,}원, ledger payments {payments:,}원",
        )
    )
    return checks
