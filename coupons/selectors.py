"""Coupon reads."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from core.replicas import catalog_read, history_read
from coupons import gate
from coupons.models import CouponDrop, UserCoupon, UserCouponStatus
from coupons.services.discount import coupon_discount

EXPIRED = "EXPIRED"


def user_coupon_status(user_coupon: UserCoupon, *, now: datetime | None = None) -> str:
    """AVAILABLE, USED or EXPIRED: an unused coupon past its expiry reads as EXPIRED."""
    if user_coupon.status == UserCouponStatus.AVAILABLE and user_coupon.expires_at <= (now or timezone.now()):
        return EXPIRED
    return user_coupon.status


@catalog_read
def coupon_list_open(*, now: datetime | None = None) -> list[CouponDrop]:
    """Drops whose issue window has not ended, newest first, each with `remaining_quantity` from
    the Redis gate (one MGET), or from the database for a drop without a gate or when Redis is down."""
    now = now or timezone.now()
    drops = list(CouponDrop.objects.filter(Q(issue_ends_at__isnull=True) | Q(issue_ends_at__gt=now)).order_by("-id"))
    remaining = gate.gate_remaining([drop.pk for drop in drops])
    for drop in drops:
        from_db = max(drop.total_quantity - drop.issued_count, 0)
        drop.remaining_quantity = remaining.get(drop.pk, from_db)
    return drops


def coupon_get(*, coupon_id: int) -> CouponDrop | None:
    return CouponDrop.objects.filter(pk=coupon_id).first()


@history_read
def user_coupon_list(*, user_id: int) -> list[UserCoupon]:
    """A user's coupons, newest first, with their drop (one query)."""
    return list(UserCoupon.objects.filter(user_id=user_id).select_related("coupon").order_by("-issued_at", "-id"))


@dataclass(frozen=True)
class UsableCoupon:
    coupon_id: int
    user_coupon_id: int
    name: str
    discount_type: str
    discount_value: int
    discount: int
    expires_at: datetime


def usable_coupons(*, user_id: int, order_total: int) -> list[UsableCoupon]:
    """The user's coupons usable on an order of `order_total` (AVAILABLE, unexpired, minimum met),
    with the discount each would give, biggest discount first."""
    now = timezone.now()
    rows = (
        UserCoupon.objects.filter(user_id=user_id, status=UserCouponStatus.AVAILABLE, expires_at__gt=now)
        .filter(Q(coupon__min_order_amount__isnull=True) | Q(coupon__min_order_amount__lte=order_total))
        .select_related("coupon")
        .order_by("expires_at", "id")
    )
    out = [
        UsableCoupon(
            coupon_id=row.coupon_id,
            user_coupon_id=row.pk,
            name=row.coupon.name,
            discount_type=row.coupon.discount_type,
            discount_value=row.coupon.discount_value,
            discount=coupon_discount(
                discount_type=row.coupon.discount_type,
                discount_value=row.coupon.discount_value,
                max_discount_amount=row.coupon.max_discount_amount,
                order_total=order_total,
            ),
            expires_at=row.expires_at,
        )
        for row in rows
    ]
    return sorted(out, key=lambda c: -c.discount)


def coupon_summaries(*, coupon_ids) -> dict[int, str]:
    """Drop names by id (for order pages)."""
    return dict(CouponDrop.objects.filter(pk__in=list(coupon_ids)).values_list("pk", "name"))


@dataclass(frozen=True)
class GateComparison:
    coupon_id: int
    issued_db: int
    remaining_db: int
    remaining_gate: int | None
    issued_gate: int | None


def gate_comparison(*, drops: list[CouponDrop]) -> dict[int, GateComparison]:
    """Database and Redis figures side by side (admin list); Redis figures are None when absent."""
    ids = [drop.pk for drop in drops]
    remaining = gate.gate_remaining(ids)
    issued = gate.gate_issued_counts(ids)
    return {
        drop.pk: GateComparison(
            coupon_id=drop.pk,
            issued_db=drop.issued_count,
            remaining_db=drop.total_quantity - drop.issued_count,
            remaining_gate=remaining.get(drop.pk),
            issued_gate=issued.get(drop.pk),
        )
        for drop in drops
    }


def coupon_ids_all() -> list[int]:
    return list(CouponDrop.objects.order_by("pk").values_list("pk", flat=True))


def coupon_ids_held(*, user_id: int, coupon_ids) -> set[int]:
    """Which of these drops the user already holds a coupon of."""
    return set(
        UserCoupon.objects.filter(user_id=user_id, coupon_id__in=list(coupon_ids)).values_list("coupon_id", flat=True)
    )
