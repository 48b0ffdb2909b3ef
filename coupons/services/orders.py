"""The order-side coupon services: they run inside the caller's transaction and open none."""

from dataclasses import dataclass

from django.utils import timezone

from coupons.errors import InvalidCoupon
from coupons.models import UserCoupon, UserCouponStatus
from coupons.services.discount import coupon_discount


@dataclass(frozen=True)
class CouponUse:
    user_coupon_id: int
    coupon_id: int
    discount: int


def user_coupon_lock(*, user_id: int, coupon_id: int, order_total: int) -> CouponUse:
    """Locks (SELECT ... FOR UPDATE) the user's coupon of drop `coupon_id` and prices it against
    `order_total`. Step 2 of the lock order (`orders.services.order_place`).
    Raises INVALID_COUPON if not owned, not AVAILABLE, expired, or below the minimum order."""
    user_coupon = (
        UserCoupon.objects.select_for_update(of=("self",))
        .select_related("coupon")
        .filter(user_id=user_id, coupon_id=coupon_id)
        .first()
    )
    if user_coupon is None:
        raise InvalidCoupon("보유하지 않은 쿠폰입니다.")
    if user_coupon.status != UserCouponStatus.AVAILABLE:
        raise InvalidCoupon("이미 사용한 쿠폰입니다.")
    if user_coupon.expires_at <= timezone.now():
        raise InvalidCoupon("만료된 쿠폰입니다.")
    drop = user_coupon.coupon
    if drop.min_order_amount is not None and order_total < drop.min_order_amount:
        raise InvalidCoupon(f"최소 주문 금액({drop.min_order_amount:,}원)을 채우지 못했습니다.")
    discount = coupon_discount(
        discount_type=drop.discount_type,
        discount_value=drop.discount_value,
        max_discount_amount=drop.max_discount_amount,
        order_total=order_total,
    )
    return CouponUse(user_coupon_id=user_coupon.pk, coupon_id=coupon_id, discount=discount)


def user_coupon_use(*, user_coupon_id: int, order_id: int) -> None:
    """AVAILABLE (and unexpired) → USED for `order_id`, as one conditional update; INVALID_COUPON
    if it was not (a coupon is used at most once, whatever runs concurrently)."""
    now = timezone.now()
    updated = UserCoupon.objects.filter(
        pk=user_coupon_id, status=UserCouponStatus.AVAILABLE, expires_at__gt=now
    ).update(status=UserCouponStatus.USED, used_at=now, order_id=order_id)
    if updated != 1:
        raise InvalidCoupon("사용할 수 없는 쿠폰입니다.")


def user_coupon_restore(*, user_coupon_id: int) -> bool:
    """USED → AVAILABLE (used_at and order cleared) when an order is cancelled, only if the coupon
    has not expired. Returns whether it was restored."""
    updated = UserCoupon.objects.filter(
        pk=user_coupon_id, status=UserCouponStatus.USED, expires_at__gt=timezone.now()
    ).update(status=UserCouponStatus.AVAILABLE, used_at=None, order_id=None)
    return updated == 1
