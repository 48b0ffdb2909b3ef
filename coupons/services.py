"""Coupon writes. Issue is first-come-first-served: the Redis gate (coupons.gate) decides fast,
PostgreSQL is the source of truth and the backstop (unique user+drop, issued_count never above
total_quantity). The order-side services (`user_coupon_lock/use/restore`) run inside the
caller's transaction and open none of their own."""

import contextlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef
from django.utils import timezone

from core import metrics
from core.errors import InvalidRequest, InvalidUser, ServiceUnavailable
from coupons import gate
from coupons.errors import CouponAlreadyIssued, CouponNotFound, CouponNotIssuable, CouponSoldOut, InvalidCoupon
from coupons.models import CouponDrop, DiscountType, UserCoupon, UserCouponStatus

UNIQUE_USER_COUPON = "uniq_user_coupon"

# --- Discount arithmetic --------------------------------------------------------------------


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


# --- Drops ------------------------------------------------------------------------------------


def coupon_drop_errors(
    *,
    name: str,
    discount_type: str,
    discount_value: int,
    max_discount_amount: int | None,
    min_order_amount: int | None,
    total_quantity: int,
    issue_starts_at: datetime,
    issue_ends_at: datetime | None,
    valid_days: int,
    issued_count: int = 0,
    now: datetime | None = None,
) -> list[dict]:
    """The drop rules as [{field, message}] (empty when valid); the API and the admin share them.
    `now` is given for a new drop only: a new drop's window must end in the future."""
    errors: list[dict] = []

    def add(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if not name or not name.strip():
        add("name", "이름을 입력해 주세요.")
    if discount_type == DiscountType.PERCENT:
        if not 1 <= discount_value <= 100:
            add("discountValue", "정률 할인은 1~100 사이여야 합니다.")
    elif discount_type == DiscountType.FIXED:
        if discount_value < 1:
            add("discountValue", "정액 할인은 1원 이상이어야 합니다.")
    else:
        add("discountType", "FIXED 또는 PERCENT 여야 합니다.")
    if max_discount_amount is not None and max_discount_amount < 1:
        add("maxDiscountAmount", "최대 할인 금액은 1원 이상이어야 합니다.")
    if min_order_amount is not None and min_order_amount < 0:
        add("minOrderAmount", "최소 주문 금액은 0원 이상이어야 합니다.")
    if total_quantity < 1:
        add("totalQuantity", "총 수량은 1 이상이어야 합니다.")
    elif total_quantity < issued_count:
        add("totalQuantity", f"이미 {issued_count}장이 발급되어 그보다 줄일 수 없습니다.")
    if valid_days < 1:
        add("validDays", "유효 기간은 1일 이상이어야 합니다.")
    if issue_ends_at is not None:
        if issue_ends_at <= issue_starts_at:
            add("issueEndsAt", "발급 종료는 발급 시작 이후여야 합니다.")
        elif now is not None and issue_ends_at <= now:
            add("issueEndsAt", "발급 종료는 미래여야 합니다.")
    return errors


def coupon_drop_create(
    *,
    name: str,
    discount_type: str,
    discount_value: int,
    total_quantity: int,
    valid_days: int,
    max_discount_amount: int | None = None,
    min_order_amount: int | None = None,
    issue_starts_at: datetime | None = None,
    issue_ends_at: datetime | None = None,
) -> CouponDrop:
    """Creates a drop (INVALID_REQUEST with field errors when a rule is broken) and readies its gate."""
    now = timezone.now()
    fields = dict(
        name=name,
        discount_type=discount_type,
        discount_value=discount_value,
        max_discount_amount=max_discount_amount,
        min_order_amount=min_order_amount,
        total_quantity=total_quantity,
        issue_starts_at=issue_starts_at or now,
        issue_ends_at=issue_ends_at,
        valid_days=valid_days,
    )
    errors = coupon_drop_errors(**fields, now=now)
    if errors:
        raise InvalidRequest("쿠폰 정보가 올바르지 않습니다.", errors=errors)
    drop = CouponDrop.objects.create(**fields)
    coupon_gate_ready_quietly(coupon_id=drop.pk)
    return drop


EDITABLE_DROP_FIELDS = [
    "name",
    "discount_type",
    "discount_value",
    "max_discount_amount",
    "min_order_amount",
    "total_quantity",
    "issue_starts_at",
    "issue_ends_at",
    "valid_days",
]


def coupon_drop_save(*, drop: CouponDrop) -> CouponDrop:
    """Saves a drop edited by staff (validated by the caller's form) and readies its gate.
    `issued_count` is never written from here: only the issue path moves it."""
    if drop.pk is None:
        drop.save()
    else:
        drop.save(update_fields=EDITABLE_DROP_FIELDS)
    _DROP_CACHE.pop(drop.pk, None)
    coupon_gate_ready_quietly(coupon_id=drop.pk)
    return drop


# --- Gate upkeep ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateState:
    coupon_id: int
    remaining: int
    issued: int


def coupon_gate_rebuild(*, coupon_id: int) -> GateState:
    """Rebuilds a drop's gate from the database: remaining = total − issued_count, issued set =
    the users holding one. Read in one statement so both come from the same snapshot."""
    row = (
        CouponDrop.objects.filter(pk=coupon_id)
        .annotate(user_ids=ArraySubquery(UserCoupon.objects.filter(coupon_id=OuterRef("pk")).values("user_id")))
        .values("total_quantity", "issued_count", "user_ids")
        .first()
    )
    if row is None:
        gate.gate_clear(coupon_id=coupon_id)
        raise CouponNotFound()
    remaining = row["total_quantity"] - row["issued_count"]
    gate.gate_write(coupon_id=coupon_id, remaining=remaining, user_ids=row["user_ids"])
    return GateState(coupon_id=coupon_id, remaining=remaining, issued=row["issued_count"])


def coupon_gate_ready_quietly(*, coupon_id: int) -> None:
    """Readies the gate after a save; if Redis is down now, the first issue readies it lazily."""
    with contextlib.suppress(gate.GateUnavailable):
        coupon_gate_rebuild(coupon_id=coupon_id)


def _gate_ready(coupon_id: int) -> None:
    """A missing gate is rebuilt by exactly one process (SET NX lock); the others wait for it."""
    if gate.gate_lock(coupon_id=coupon_id):
        try:
            # Someone may have published it between our NOT_READY and the lock; rebuilding again
            # would erase reservations whose transactions have not committed yet.
            if not gate.gate_exists(coupon_id=coupon_id):
                coupon_gate_rebuild(coupon_id=coupon_id)
        finally:
            gate.gate_unlock(coupon_id=coupon_id)
    else:
        gate.gate_wait_ready(coupon_id=coupon_id)


# --- Issue ------------------------------------------------------------------------------------

# The issue path reads a drop's name, discount and window on every request. Those change only
# when staff edit the drop, so each process keeps them for a few seconds instead of querying.
DROP_CACHE_SECONDS = 5.0
_DROP_CACHE: dict[int, tuple[float, CouponDrop]] = {}


def _drop_for_issue(coupon_id: int) -> CouponDrop:
    hit = _DROP_CACHE.get(coupon_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    drop = CouponDrop.objects.filter(pk=coupon_id).first()
    if drop is None:
        raise CouponNotFound()
    _DROP_CACHE[coupon_id] = (now + DROP_CACHE_SECONDS, drop)
    return drop


@metrics.count_rejections(metrics.COUPON_ISSUE, lower=True, success="issued")
def coupon_issue(*, user_id: int, coupon_id: int) -> UserCoupon:
    """Issues one coupon of drop `coupon_id` to `user_id`, first come first served.

    Guarantees: at most `total_quantity` user coupons per drop and at most one per user, even if
    Redis loses its data (the database backstop refuses the excess); a reservation the database
    refuses is given back to the gate. Raises COUPON_NOT_FOUND, COUPON_NOT_ISSUABLE,
    COUPON_SOLD_OUT, COUPON_ALREADY_ISSUED, INVALID_USER (no such user), or SERVICE_UNAVAILABLE when Redis does not answer
    (fail closed: without the gate we answer 503 rather than put every request on the hot row)."""
    drop = _drop_for_issue(coupon_id)
    now = timezone.now()
    if now < drop.issue_starts_at or (drop.issue_ends_at is not None and now >= drop.issue_ends_at):
        raise CouponNotIssuable()

    try:
        verdict = gate.gate_take(coupon_id=coupon_id, user_id=user_id)
        if verdict == gate.NOT_READY:
            _gate_ready(coupon_id)
            verdict = gate.gate_take(coupon_id=coupon_id, user_id=user_id)
    except gate.GateUnavailable:
        raise ServiceUnavailable("쿠폰 발급을 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    if verdict == gate.SOLD_OUT:
        raise CouponSoldOut()
    if verdict == gate.ALREADY_ISSUED:
        raise CouponAlreadyIssued()
    if verdict != gate.ISSUED:
        raise ServiceUnavailable("쿠폰 발급 준비 중입니다. 잠시 후 다시 시도해 주세요.")

    # Two statements in one short transaction. The insert comes first so the hot drop row is
    # locked (by the counter update) only for the commit.
    try:
        with transaction.atomic():
            user_coupon = UserCoupon.objects.create(
                user_id=user_id,
                coupon=drop,
                status=UserCouponStatus.AVAILABLE,
                issued_at=now,
                expires_at=now + timedelta(days=drop.valid_days),
            )
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


# --- Used by orders (inside the caller's transaction) -----------------------------------------


@dataclass(frozen=True)
class CouponUse:
    user_coupon_id: int
    coupon_id: int
    discount: int


def user_coupon_lock(*, user_id: int, coupon_id: int, order_total: int) -> CouponUse:
    """Locks (SELECT ... FOR UPDATE) the user's coupon of drop `coupon_id` and prices it against
    `order_total`. Second in the global lock order: balance → user coupon → products.
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
