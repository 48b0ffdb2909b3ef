"""Issuing a coupon, first come first served: the Redis gate (coupons.gate) decides fast,
PostgreSQL is the source of truth and the backstop (unique user+drop, issued_count never above
total_quantity)."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import metrics
from core.errors import InvalidUser, ServiceUnavailable
from core.replicas import pin_user
from coupons import gate
from coupons.errors import CouponAlreadyIssued, CouponNotFound, CouponNotIssuable, CouponSoldOut
from coupons.models import CouponDrop, UserCoupon, UserCouponStatus
from coupons.services.rebuild import gate_ready

UNIQUE_USER_COUPON = "uniq_user_coupon"


def _issuable(drop: CouponDrop, now) -> bool:
    return drop.issue_starts_at <= now and (drop.issue_ends_at is None or now < drop.issue_ends_at)


@metrics.count_rejections(metrics.COUPON_ISSUE, lower=True, success="issued")
def coupon_issue(*, user_id: int, coupon_id: int) -> UserCoupon:
    """Issues one coupon of drop `coupon_id` to `user_id`, first come first served.

    Guarantees: at most `total_quantity` user coupons per drop and at most one per user, even if
    Redis loses its data (the database backstop refuses the excess); a reservation the database
    refuses is given back to the gate. Raises COUPON_NOT_FOUND, COUPON_NOT_ISSUABLE,
    COUPON_SOLD_OUT, COUPON_ALREADY_ISSUED, INVALID_USER (no such user), or SERVICE_UNAVAILABLE when Redis does not answer
    (fail closed: without the gate we answer 503 rather than put every request on the hot row).

    The gate also holds the drop's issue window (written by every rebuild and by a staff save), so
    a refused request reads no row; only a winner reads the drop, and checks the window there
    again, so a gate whose window could not be updated never issues outside the stored one."""
    now = timezone.now()
    try:
        verdict = gate.gate_take(coupon_id=coupon_id, user_id=user_id, now=now)
        if verdict == gate.NOT_READY:
            gate_ready(coupon_id)  # COUPON_NOT_FOUND when there is no such drop
            verdict = gate.gate_take(coupon_id=coupon_id, user_id=user_id, now=now)
    except gate.GateUnavailable:
        raise ServiceUnavailable("쿠폰 발급을 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    if verdict == gate.NOT_READY and not CouponDrop.objects.filter(pk=coupon_id).exists():
        raise CouponNotFound()  # another process's rebuild found no such drop
    if verdict == gate.NOT_ISSUABLE:
        raise CouponNotIssuable()
    if verdict == gate.SOLD_OUT:
        raise CouponSoldOut()
    if verdict == gate.ALREADY_ISSUED:
        raise CouponAlreadyIssued()
    if verdict != gate.ISSUED:
        raise ServiceUnavailable("쿠폰 발급 준비 중입니다. 잠시 후 다시 시도해 주세요.")

    # One short transaction: the drop's row (a plain read), the insert, then the counter update
    # last, so the hot drop row is locked only for the commit.
    try:
        with transaction.atomic():
            drop = CouponDrop.objects.filter(pk=coupon_id).first()
            if drop is None:
                raise CouponNotFound()
            if not _issuable(drop, now):
                raise CouponNotIssuable()
            user_coupon = UserCoupon.objects.create(
                user_id=user_id,
                coupon=drop,
                status=UserCouponStatus.AVAILABLE,
                issued_at=now,
                expires_at=now + timedelta(days=drop.valid_days),
            )
            pin_user(user_id)  # read back from the primary (core/replicas.py)
            taken = CouponDrop.objects.filter(pk=coupon_id, issued_count__lt=F("total_quantity")).update(
                issued_count=F("issued_count") + 1
            )
            if taken != 1:
                raise CouponSoldOut()
    except CouponSoldOut:
        gate.gate_undo(coupon_id=coupon_id, user_id=user_id, mode="sold_out")
        raise
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
        if constraint == UNIQUE_USER_COUPON:
            # The user holds one the gate did not know about: a rebuild ran while that issue was
            # still uncommitted, so it counted one coupon too many as remaining. Keeping this
            # decrement and this user in the set is exactly the correction; nothing to undo.
            raise CouponAlreadyIssued()
        gate.gate_undo(coupon_id=coupon_id, user_id=user_id, mode="undo")
        if constraint.startswith("coupons_usercoupon_user_id"):  # the user's foreign key: no such user
            raise InvalidUser()
        raise
    except BaseException:
        gate.gate_undo(coupon_id=coupon_id, user_id=user_id, mode="undo")
        raise
    return user_coupon
