"""The discount a coupon gives on an order total."""

from coupons.models import DiscountType


def coupon_discount(
    *, discount_type: str, discount_value: int, max_discount_amount: int | None, order_total: int
) -> int:
    """Won off `order_total`: FIXED = min(value, total); PERCENT = floor(total × value / 100),
    capped by `max_discount_amount`. Integer arithmetic only; never more than the total."""
    if order_total <= 0:
        return 0
    if discount_type == DiscountType.FIXED:
        discount = discount_value
    elif discount_type == DiscountType.PERCENT:
        discount = order_total * discount_value // 100
    else:
        raise ValueError(f"unknown discount type {discount_type!r}")
    if max_discount_amount is not None:
        discount = min(discount, max_discount_amount)
    return max(0, min(discount, order_total))
